// Forum pages: drafts that save themselves, previews, @mentions, reactions without a reload,
// and new replies arriving live. Every form on these pages also works without this file.
(function () {
  "use strict";

  var userId = document.body.dataset.userId || "visitor";
  var announce = window.workspaceAnnounce || function () {};
  var STORE_PREFIX = "workspace-forum:" + userId + ":";

  function csrfToken(scope) {
    var input = (scope || document).querySelector('input[name="csrf_token"]') ||
      document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function postJSON(url, data, scope) {
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": csrfToken(scope)},
      body: JSON.stringify(data)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  function timeNow() {
    return new Date().toLocaleTimeString([], {hour: "numeric", minute: "2-digit"});
  }

  // --- A copy of what is being written, kept in this browser ---------------------------------
  // The server keeps drafts too; this copy survives when the server can't be reached at all.

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function readBackup(key) {
    var store = storage();
    if (!store) { return null; }
    try { return JSON.parse(store.getItem(STORE_PREFIX + key) || "null"); } catch (error) {
      return null;
    }
  }

  function writeBackup(key, value) {
    var store = storage();
    if (!store) { return; }
    try {
      if (value) { store.setItem(STORE_PREFIX + key, JSON.stringify(value)); }
      else { store.removeItem(STORE_PREFIX + key); }
    } catch (error) { /* storage full or refused: the server draft still helps */ }
  }

  // A copy whose post now appears on this page was sent successfully: forget it.
  function forgetPostedBackups() {
    var store = storage();
    if (!store) { return; }
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var name = store.key(i);
      if (!name || name.indexOf(STORE_PREFIX) !== 0) { continue; }
      var value = readBackup(name.slice(STORE_PREFIX.length));
      if (value && value.nonce &&
          document.querySelector('[data-post-nonce="' + value.nonce.replace(/"/g, "") + '"]')) {
        store.removeItem(name);
      }
    }
  }

  // --- Editors ---------------------------------------------------------------------------------

  function setupEditor(editor) {
    var textarea = editor.querySelector("textarea");
    var form = editor.closest("form");
    if (!textarea || !form) { return; }
    var titleInput = form.querySelector('input[name="title"]');
    var nonceInput = form.querySelector('input[name="nonce"]');
    var status = editor.querySelector("[data-draft-status]");
    var draftUrl = editor.dataset.draftUrl;
    var draftKey = editor.dataset.draftKey;
    var backupKey = draftKey || ("edit:" + window.location.pathname);
    var original = textarea.value;

    function say(text) { if (status) { status.textContent = text; } }

    function snapshot() {
      return {title: titleInput ? titleInput.value : "", body: textarea.value,
              nonce: nonceInput ? nonceInput.value : null, at: Date.now()};
    }

    // Restore this browser's copy if the form came back empty; offer it if the text differs.
    var backup = readBackup(backupKey);
    var restored = false;
    if (backup && backup.body && backup.body !== textarea.value) {
      if (!textarea.value.trim() && draftKey) {
        textarea.value = backup.body;
        if (titleInput && !titleInput.value && backup.title) { titleInput.value = backup.title; }
        say("Restored the text this browser kept for you.");
        restored = true;
      } else {
        offerBackup(editor, textarea, titleInput, backup, function () { changed(); });
      }
    } else if (backup && backup.body === original) {
      writeBackup(backupKey, null);
    }

    var saveDraft = debounce(function () {
      if (!draftUrl) { return; }
      postJSON(draftUrl, {key: draftKey, title: titleInput ? titleInput.value : "",
                          body: textarea.value}, form)
        .then(function (data) {
          say(data.saved ? "Draft saved at " + timeNow() + "." : "");
        })
        .catch(function () {
          say("Couldn't reach the server to save a draft. A copy is kept in this browser.");
        });
    }, 1500);

    function changed() {
      writeBackup(backupKey, textarea.value.trim() || (titleInput && titleInput.value.trim())
        ? snapshot() : null);
      saveDraft();
    }
    textarea.addEventListener("input", changed);
    if (titleInput) { titleInput.addEventListener("input", changed); }
    // Restored text now belongs to this form: copy it under this form's one-time value, or the
    // old copy would outlive the post it became and come back on the next visit.
    if (restored) { changed(); }

    setupPreview(editor, form, textarea);
    setupMentions(editor, textarea);
  }

  function offerBackup(editor, textarea, titleInput, backup, used) {
    var note = document.createElement("div");
    note.className = "usa-alert usa-alert--info usa-alert--slim";
    var body = document.createElement("div");
    body.className = "usa-alert__body";
    var text = document.createElement("p");
    text.className = "usa-alert__text";
    text.textContent = "This browser kept different text you wrote here " +
      new Date(backup.at).toLocaleString() + ". ";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "usa-button usa-button--unstyled";
    button.textContent = "Use that text instead";
    button.addEventListener("click", function () {
      textarea.value = backup.body;
      if (titleInput && backup.title) { titleInput.value = backup.title; }
      note.remove();
      used();
      textarea.focus();
      announce("The text this browser kept is back in the form.");
    });
    text.appendChild(button);
    body.appendChild(text);
    note.appendChild(body);
    editor.insertBefore(note, editor.firstChild);
  }

  // --- Preview -----------------------------------------------------------------------------

  function setupPreview(editor, form, textarea) {
    var button = form.querySelector("[data-preview-button]");
    var section = editor.querySelector("[data-preview]");
    var target = editor.querySelector("[data-preview-body]");
    var url = editor.dataset.previewUrl;
    if (!button || !section || !target || !url) { return; }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      postJSON(url, {body: textarea.value}, form)
        .then(function (data) {
          // The server rendered it with the same sanitizer as saved posts use.
          target.innerHTML = data.html || "<p>Nothing to preview yet.</p>";
          section.hidden = false;
          var heading = section.querySelector("h2, h3");
          if (heading) { heading.focus(); }
        })
        .catch(function () {
          target.textContent = "The preview isn't available right now. Your text is safe.";
          section.hidden = false;
        });
    });
  }

  // --- @mentions: an accessible list of suggestions under the text area ------------------

  function setupMentions(editor, textarea) {
    var list = editor.querySelector('[role="listbox"]');
    var url = editor.dataset.peopleUrl;
    if (!list || !url) { return; }
    var people = [];
    var active = -1;
    var range = null;
    var requestNumber = 0;
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      list.textContent = "";
      people = [];
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && list.children[index]) {
        textarea.setAttribute("aria-activedescendant", list.children[index].id);
      } else {
        textarea.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var person = people[index];
      if (!person || !range) { return; }
      var value = textarea.value;
      var insert = "@" + person.handle + " ";
      textarea.value = value.slice(0, range.start) + insert + value.slice(range.end);
      var caret = range.start + insert.length;
      textarea.setSelectionRange(caret, caret);
      close();
      textarea.dispatchEvent(new Event("input"));
      announce(person.name + " mentioned.");
    }

    function render(found) {
      people = found;
      list.textContent = "";
      if (!found.length) { close(); return; }
      found.forEach(function (person, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = person.name + " ";
        var detail = document.createElement("span");
        detail.className = "workspace-mention__detail";
        detail.textContent = "@" + person.handle + " · " + person.organization;
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep focus in the text area
          choose(index);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      highlight(0);
      announce(found.length + (found.length === 1 ? " person matches" : " people match") +
               ". Up and down arrows to choose, Enter to insert, Escape to close.");
    }

    var lookup = debounce(function (prefix) {
      var mine = ++requestNumber;
      window.fetch(url + "?q=" + encodeURIComponent(prefix),
                   {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {people: []}; })
        .then(function (data) { if (mine === requestNumber) { render(data.people || []); } })
        .catch(close);
    }, 200);

    textarea.addEventListener("input", function () {
      var caret = textarea.selectionStart;
      var before = textarea.value.slice(0, caret);
      var match = /(^|[\s(>])@([A-Za-z0-9][\w.+-]{0,59})$/.exec(before);
      if (!match) { range = null; close(); return; }
      range = {start: caret - match[2].length - 1, end: caret};
      lookup(match[2]);
    });

    textarea.addEventListener("keydown", function (event) {
      if (list.hidden || !people.length) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % people.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + people.length) % people.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (active >= 0) { event.preventDefault(); choose(active); }
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    textarea.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  // --- Quoting without leaving the page -----------------------------------------------------

  function setupQuoting() {
    var replyForm = document.querySelector("#reply [data-post-form]");
    if (!replyForm) { return; }
    var field = replyForm.querySelector("[data-quote-field]");
    var box = replyForm.querySelector("[data-quoting]");
    var author = replyForm.querySelector("[data-quoting-author]");
    var textarea = replyForm.querySelector("textarea");
    document.addEventListener("click", function (event) {
      var link = event.target.closest("[data-quote]");
      if (link && field && box) {
        event.preventDefault();
        field.value = link.dataset.quote;
        author.textContent = link.dataset.quoteAuthor;
        box.hidden = false;
        textarea.focus();
        textarea.scrollIntoView({block: "center"});
        announce("Quoting " + link.dataset.quoteAuthor + "'s post in your reply.");
        return;
      }
      var remove = event.target.closest("[data-quote-remove]");
      if (remove && field && box) {
        event.preventDefault();
        field.value = "";
        box.hidden = true;
        textarea.focus();
        announce("Quote removed.");
      }
    });
  }

  // --- Posts that change while the page is open ---------------------------------------------

  var topic = document.querySelector("[data-topic]");
  var postsBox = topic ? topic.querySelector("[data-posts]") : null;

  function fragmentUrl(postId) {
    return topic.dataset.fragmentUrl.replace("/posts/0/", "/posts/" + postId + "/");
  }

  function fetchPost(postId) {
    return window.fetch(fragmentUrl(postId), {credentials: "same-origin",
                                              headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (response.status === 404) { return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text().then(function (html) {
          var template = document.createElement("template");
          template.innerHTML = html.trim();
          return template.content.firstElementChild;
        });
      });
  }

  function replacePost(postId) {
    var current = document.getElementById("post-" + postId);
    if (!current) { return Promise.resolve(); }
    var focused = document.activeElement && current.contains(document.activeElement)
      ? document.activeElement : null;
    var focusKey = focused ? (focused.getAttribute("value") || focused.textContent) : null;
    return fetchPost(postId).then(function (article) {
      if (!article) {
        current.remove();
        return;
      }
      current.replaceWith(article);
      if (focusKey) {
        var again = Array.prototype.find.call(article.querySelectorAll("button, a"),
          function (el) { return (el.getAttribute("value") || el.textContent) === focusKey; });
        if (again) { again.focus(); }
      }
    });
  }

  // Reactions: send the form in the background, then show the post's new counts.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-reaction-form]");
    // workspace.js has already refused a second submit while the first is on its way.
    if (!form || !topic || !window.fetch || event.defaultPrevented) { return; }
    event.preventDefault();
    var button = event.submitter;
    var data = new FormData(form);
    if (button && button.name) { data.append(button.name, button.value); }
    var article = form.closest("[data-post-id]");
    window.fetch(form.action, {method: "POST", credentials: "same-origin", body: data,
                               headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (result) {
        announce(result.added ? "Reaction added." : "Reaction removed.");
        return replacePost(article.dataset.postId);
      })
      .catch(function () {
        form.dataset.submitting = "false";
        announce("That reaction didn't go through. Please try again.");
      });
  });

  function showNotice(container, message, href, linkText) {
    var notice = container.querySelector("[data-live-notice]");
    if (!notice) { return; }
    notice.textContent = message + " ";
    if (href) {
      var link = document.createElement("a");
      link.className = "usa-link";
      link.href = href;
      link.textContent = linkText;
      notice.appendChild(link);
    }
    notice.hidden = false;
  }

  // Reading is recorded with a POST (GETs never change anything): what this page showed, and
  // each reply that arrives while it is open.
  var lastRead = topic ? Number(topic.dataset.lastReadPostId || 0) : 0;
  function markRead(postId) {
    if (!topic || !topic.dataset.readUrl || postId <= lastRead) { return; }
    lastRead = postId;
    postJSON(topic.dataset.readUrl, {through: postId}, topic).catch(function () {});
  }

  function setupLiveTopic(socket) {
    var topicId = Number(topic.dataset.topicId);
    var onLastPage = topic.dataset.onLastPage === "true";
    var pending = 0;

    function follow() { socket.emit("watch_topic", {topic_id: topicId}, function () {}); }
    if (socket.connected) { follow(); }
    socket.on("connect", follow);

    socket.on("post_added", function (data) {
      if (data.topic_id !== topicId || document.getElementById("post-" + data.post_id)) {
        return;
      }
      if (!onLastPage) {
        pending += 1;
        showNotice(topic, pending === 1 ? "A new reply was posted." :
                   pending + " new replies were posted.", topic.dataset.lastPageUrl + "#latest",
                   "Go to the latest replies");
        announce(pending === 1 ? "A new reply was posted." : pending + " new replies.");
        return;
      }
      fetchPost(data.post_id).then(function (article) {
        if (!article || document.getElementById(article.id)) { return; }
        article.classList.add("workspace-post--arrived");
        postsBox.appendChild(article);
        announce("New reply from " + (article.dataset.author || "someone") + ".");
        markRead(Number(article.dataset.postId));
      }).catch(function () {
        showNotice(topic, "A new reply was posted.", window.location.pathname + "?page=last#latest",
                   "Reload to see it");
      });
    });

    socket.on("post_changed", function (data) {
      if (data.topic_id === topicId) { replacePost(data.post_id); }
    });
  }

  function setupLiveForum(socket, forum) {
    var communityId = Number(forum.dataset.communityId);
    var categoryId = Number(forum.dataset.categoryId);
    function follow() { socket.emit("watch_forum", {community_id: communityId}, function () {}); }
    if (socket.connected) { follow(); }
    socket.on("connect", follow);
    socket.on("topic_started", function (data) {
      if (categoryId && data.category_id !== categoryId) { return; }
      showNotice(forum, "New topic: “" + data.title + "”.", window.location.pathname,
                 "Reload the list to see it");
      announce("New topic started: " + data.title + ".");
    });
  }

  // --- Start ---------------------------------------------------------------------------------

  forgetPostedBackups();
  if (topic) { markRead(Number(topic.dataset.newestPostId || 0)); }
  document.querySelectorAll("[data-editor]").forEach(setupEditor);
  setupQuoting();
  var socket = window.workspaceSocket;
  if (socket && topic && postsBox) { setupLiveTopic(socket); }
  var forum = document.querySelector("[data-forum-live]");
  if (socket && forum) { setupLiveForum(socket, forum); }
})();
