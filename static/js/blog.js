// A blog post's reactions and comments (templates/blogs/_comments.html): reactions without a
// reload, a reply form opened under the comment answered, and comments and reactions arriving
// live. Typing help (drafts, preview, @mentions) is editor.js. Everything works without this
// file: reactions and comments are forms, and "Reply" opens a page with the form in place.
(function () {
  "use strict";

  var box = document.querySelector("[data-blog-comments]");
  if (!box) { return; }
  var postId = Number(box.dataset.postId);
  var list = box.querySelector("[data-comments]");
  var empty = box.querySelector("[data-no-comments]");
  var region = box.querySelector("[data-comments-live]");
  var template = box.querySelector("[data-reply-template]");

  function announce(message) {
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  // --- Reactions -----------------------------------------------------------------------------

  // `counts` by kind; `mine` (by kind) only for the person who reacted: everyone else keeps
  // their own buttons' state.
  function showReactions(counts, mine) {
    var any = false;
    box.querySelectorAll("[data-reaction]").forEach(function (item) {
      var kind = item.dataset.reaction;
      if (!(kind in counts)) { return; }
      var count = Number(counts[kind]) || 0;
      any = any || count > 0;
      var number = item.querySelector("[data-reaction-count]");
      if (item.tagName === "LI") {
        item.hidden = count === 0;
      } else if (number) {
        number.hidden = count === 0;
      }
      if (number) { number.textContent = String(count); }
      if (mine && item.tagName === "BUTTON") {
        item.setAttribute("aria-pressed", mine[kind] ? "true" : "false");
        item.classList.toggle("workspace-reaction--mine", Boolean(mine[kind]));
      }
    });
    var readOnly = box.querySelector("[data-reaction-list]");
    if (readOnly) { readOnly.hidden = !any; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("[data-reaction-form]");
    // workspace.js has already refused a second submit while the first is on its way.
    if (!form || !box.contains(form) || !window.fetch || event.defaultPrevented) { return; }
    event.preventDefault();
    var button = event.submitter;
    var data = new FormData(form);
    if (button && button.name) { data.append(button.name, button.value); }
    window.fetch(form.action, {method: "POST", credentials: "same-origin", body: data,
                               headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (result) {
        var counts = {};
        var mine = {};
        var label = "";
        result.reactions.forEach(function (each) {
          counts[each.kind] = each.count;
          mine[each.kind] = each.mine;
          if (button && each.kind === button.value) { label = each.label; }
        });
        showReactions(counts, mine);
        announce((result.added ? "Reaction added: " : "Reaction removed: ") + label + ".");
      })
      .catch(function () {
        announce("That reaction didn't go through. Please try again.");
      })
      .then(function () { form.dataset.submitting = "false"; });
  });

  // --- Reply forms opened in place -----------------------------------------------------------

  var opened = 0;

  function newNonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (byte) {
      return ("0" + byte.toString(16)).slice(-2);
    }).join("");
  }

  // Each copy of the template gets ids of its own, and the labels and descriptions that
  // point at them follow.
  function renameIds(root, suffix) {
    var elements = [root].concat(Array.prototype.slice.call(root.querySelectorAll("*")));
    elements.forEach(function (element) {
      if (element.id) { element.id += suffix; }
      ["for", "aria-labelledby", "aria-describedby", "aria-controls"].forEach(function (name) {
        var value = element.getAttribute(name);
        if (value) {
          element.setAttribute(name, value.split(/\s+/).map(function (id) {
            return id + suffix;
          }).join(" "));
        }
      });
    });
  }

  function openReply(link) {
    var thread = document.getElementById("comment-" + link.dataset.replyThread);
    if (!thread || !template || !template.content.firstElementChild) { return false; }
    var answered = link.dataset.replyTo;
    var form = thread.querySelector(':scope > [data-reply-form][data-answering="' +
                                    answered + '"]');
    if (!form) {
      form = template.content.firstElementChild.cloneNode(true);
      opened += 1;
      renameIds(form, "-" + opened);
      form.dataset.answering = answered;
      form.querySelector("[data-reply-parent]").value = answered;
      form.querySelector("[data-reply-author]").textContent = link.dataset.replyAuthor;
      // A one-time value of its own: two replies sent from one page are two replies.
      var nonce = form.querySelector("[data-editor-nonce]");
      if (nonce && window.crypto) { nonce.value = newNonce(); }
      var editor = form.querySelector("[data-editor]");
      if (editor) { editor.dataset.draftTarget = answered; }
      thread.appendChild(form);
      if (editor && window.workspaceEditor) { window.workspaceEditor.setup(editor); }
    }
    var textarea = form.querySelector("textarea");
    if (textarea) {
      textarea.focus();
      textarea.scrollIntoView({block: "center"});
    }
    announce("Replying to " + link.dataset.replyAuthor + ".");
    return true;
  }

  box.addEventListener("click", function (event) {
    var link = event.target.closest("[data-reply-to]");
    if (link) {
      if (openReply(link)) { event.preventDefault(); }
      return;
    }
    // "Cancel" in a reply form closes it; what was typed stays in its draft.
    var cancel = event.target.closest("[data-reply-form] .workspace-editor__buttons a");
    if (cancel) {
      event.preventDefault();
      var form = cancel.closest("[data-reply-form]");
      var answered = form.querySelector("[data-reply-parent]").value;
      form.remove();
      var back = box.querySelector('[data-reply-to="' + answered + '"]');
      if (back) { back.focus(); }
      announce("Reply closed.");
    }
  });

  // --- Comments that arrive or change while the page is open ---------------------------------

  function fragmentUrl(commentId) {
    return box.dataset.fragmentUrl.replace("/comments/0/", "/comments/" + commentId + "/");
  }

  // The comment as this reader sees it (null when they no longer see it at all).
  function fetchComment(commentId) {
    return window.fetch(fragmentUrl(commentId), {credentials: "same-origin",
                                                 headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (response.status === 404) { return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text().then(function (html) {
          var holder = document.createElement("template");
          holder.innerHTML = html.trim();
          return holder.content.firstElementChild;
        });
      });
  }

  function showCount(count) {
    var number = box.querySelector("[data-comment-count]");
    if (number && typeof count === "number") { number.textContent = String(count); }
  }

  function showWhetherEmpty() {
    var none = !list.querySelector("[data-comment-id]");
    list.hidden = none;
    if (empty) { empty.hidden = !none; }
  }

  function commentAdded(data) {
    if (data.post_id !== postId) { return; }
    showCount(data.comment_count);
    if (document.getElementById("comment-" + data.comment_id)) { return; }
    fetchComment(data.comment_id).then(function (item) {
      if (!item || document.getElementById(item.id)) { return; }
      var into = list;
      if (data.parent_id) {
        var thread = document.getElementById("comment-" + data.parent_id);
        into = thread ? thread.querySelector(":scope > [data-replies]") : null;
        if (!into) { return; }
      }
      item.classList.add("workspace-comment--arrived");
      into.appendChild(item);
      into.hidden = false;
      showWhetherEmpty();
      announce((data.parent_id ? "New reply from " : "New comment from ") + data.author + ".");
    }).catch(function () {
      announce("A new comment was posted. Reload the page to see it.");
    });
  }

  function commentChanged(data) {
    if (data.post_id !== postId) { return; }
    showCount(data.comment_count);
    var current = document.getElementById("comment-" + data.comment_id);
    if (!current) { return; }
    fetchComment(data.comment_id).then(function (item) {
      if (!item) {
        var replies = current.parentElement;
        current.remove();
        if (replies && replies.matches("[data-replies]")) {
          replies.hidden = !replies.querySelector("[data-comment-id]");
        }
        showWhetherEmpty();
        return;
      }
      // Only the comment's own part: its replies and any reply being written stay as they are.
      var article = current.querySelector(":scope > [data-comment-article]");
      var fresh = item.querySelector(":scope > [data-comment-article]");
      var hadFocus = article && article.contains(document.activeElement);
      if (article && fresh) {
        article.replaceWith(fresh);
        if (hadFocus) {
          fresh.setAttribute("tabindex", "-1");
          fresh.focus();
        }
      }
    });
  }

  var socket = window.workspaceSocket;
  if (socket) {
    var follow = function () {
      socket.emit("watch_blog_post", {post_id: postId}, function () {});
    };
    if (socket.connected) { follow(); }
    socket.on("connect", follow);
    socket.on("comment_added", commentAdded);
    socket.on("comment_changed", commentChanged);
    socket.on("reactions_changed", function (data) {
      if (data.post_id === postId) { showReactions(data.counts, null); }
    });
  }
})();
