// Forum pages: quoting into the reply, reactions without a reload, reading recorded, and new
// replies and topics arriving live. Typing help (drafts, preview, @mentions) is editor.js.
// Every form on these pages also works without this file.
(function () {
  "use strict";

  var announce = window.workspaceAnnounce || function () {};
  var postJSON = window.workspacePostJSON;

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

    // The topic's "N replies" follows the replies that arrive.
    var replyCount = document.querySelector("[data-reply-count]");
    function countReply() {
      if (!replyCount) { return; }
      var count = Number(replyCount.dataset.replyCount || 0) + 1;
      replyCount.dataset.replyCount = String(count);
      replyCount.textContent = count + (count === 1 ? " reply" : " replies");
    }

    socket.on("post_added", function (data) {
      if (data.topic_id !== topicId || document.getElementById("post-" + data.post_id)) {
        return;
      }
      countReply();
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
        // Read as it arrives: highlighted for a moment, not marked (and indented) as "new".
        article.classList.remove("workspace-post--new");
        var newTag = article.querySelector(".workspace-forum-tag--new");
        if (newTag && newTag.closest("li")) { newTag.closest("li").remove(); }
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

  if (topic) { markRead(Number(topic.dataset.newestPostId || 0)); }
  setupQuoting();
  var socket = window.workspaceSocket;
  if (socket && topic && postsBox) { setupLiveTopic(socket); }
  var forum = document.querySelector("[data-forum-live]");
  if (socket && forum) { setupLiveForum(socket, forum); }
})();
