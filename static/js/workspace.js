// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // A double-click must not post twice: disable the form's submit buttons once it is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    form.querySelectorAll("[data-submit-once]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
    // If the browser comes back to this page (history), let the form be sent again.
    window.setTimeout(function () { form.dataset.submitting = "false"; }, 8000);
  });

  // Move focus to the error summary so keyboard and screen reader users hear what went wrong.
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }

  // JSON to the app from a page's scripts, with the page's CSRF token (the form's own, if any).
  function csrfToken(scope) {
    var input = (scope || document).querySelector('input[name="csrf_token"]') ||
      document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  window.workspacePostJSON = function (url, data, scope) {
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,  // finishes even when the page is being left (a followed link)
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": csrfToken(scope)},
      body: JSON.stringify(data)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  };

  var announcer = document.getElementById("live-announcer");
  window.workspaceAnnounce = function (message) {
    if (!announcer) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  };

  // Confirm destructive actions marked with data-confirm.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // Following an unread notification's link marks it read on the way (a GET never writes).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-read-url]");
    if (!link) { return; }
    window.workspacePostJSON(link.dataset.readUrl, {}).catch(function () {});
    link.removeAttribute("data-read-url");
  });

  // Live notifications for signed-in people.
  if (document.body.dataset.userId && window.io) {
    var socket = window.io("/live", { transports: ["websocket", "polling"] });
    window.workspaceSocket = socket;
    socket.on("notification_added", function (data) {
      var badge = document.querySelector("[data-notification-count]");
      var link = document.querySelector("[data-notifications-link]");
      if (!badge && link) {
        // The page loaded with nothing unread: add the count beside the link.
        badge = document.createElement("span");
        badge.className = "usa-tag workspace-count";
        badge.setAttribute("data-notification-count", "");
        badge.textContent = "0";
        var hint = document.createElement("span");
        hint.className = "usa-sr-only";
        hint.textContent = " unread";
        link.appendChild(document.createTextNode(" "));
        link.appendChild(badge);
        link.appendChild(hint);
      }
      if (badge) {
        badge.textContent = String(Number(badge.textContent || "0") + 1);
        badge.hidden = false;
      }
      window.workspaceAnnounce("New notification: " + data.message);
    });
    // Notices about a post that was hidden or deleted are taken back while still unread.
    socket.on("notifications_withdrawn", function (data) {
      var badge = document.querySelector("[data-notification-count]");
      if (!badge) { return; }
      var left = Math.max(0, Number(badge.textContent || "0") - data.ids.length);
      badge.textContent = String(left);
      if (left === 0) { badge.hidden = true; }
    });
    // A notification opened in another tab is read here too.
    socket.on("notification_read", function () {
      var badge = document.querySelector("[data-notification-count]");
      if (!badge) { return; }
      var left = Math.max(0, Number(badge.textContent || "0") - 1);
      badge.textContent = String(left);
      if (left === 0) { badge.hidden = true; }
    });
    // The server closes a person's connections when their access changes; the page connects
    // again (refused if the session has ended) and each feature asks again for its rooms.
    socket.on("disconnect", function (reason) {
      if (reason === "io server disconnect") {
        window.setTimeout(function () { socket.connect(); }, 1000);
      }
    });
  }
})();
