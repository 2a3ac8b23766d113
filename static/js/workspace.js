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

  // The time-zone prompt (templates/_partials/time_zone_prompt.html) offers the zone this device
  // reports when it differs from the saved one, named as the listed zone keeping the same clock
  // all year (as the server will map it). Without a match nothing is offered: the server would
  // refuse it, and "Choose another" is there.
  function zoneClock(zone, year) {
    // Offset and abbreviation in mid-January and mid-July, as workspace/timezones.py compares.
    return [0, 6].map(function (month) {
      var moment = new Date(Date.UTC(year, month, 15, 12));
      return ["longOffset", "short"].map(function (style) {
        var parts = new Intl.DateTimeFormat("en-US", {timeZone: zone, timeZoneName: style})
          .formatToParts(moment);
        var name = parts.filter(function (part) { return part.type === "timeZoneName"; })[0];
        return name ? name.value : "";
      }).join(" ");
    }).join(" / ");
  }

  function listedZoneFor(detected, listed) {
    var exact = listed.filter(function (entry) { return entry[0] === detected; })[0];
    if (exact) { return exact; }
    var year = new Date().getFullYear();
    var clock = zoneClock(detected, year);  // throws where the browser can't tell
    return listed.filter(function (entry) { return zoneClock(entry[0], year) === clock; })[0] ||
      null;
  }

  var zonePrompt = document.querySelector("[data-time-zone-prompt]");
  var deviceButton = zonePrompt && zonePrompt.querySelector("[data-detected-time-zone]");
  if (deviceButton && window.Intl) {
    var saved = zonePrompt.dataset.timeZone;
    var detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (detected && detected !== saved) {
      var match, label;
      try {
        match = listedZoneFor(detected, JSON.parse(zonePrompt.dataset.timeZones));
      } catch (error) {
        match = undefined;  // an older browser: offer the device's zone by its own name
      }
      if (match === undefined) {
        label = "Use my device's time zone (" + detected + ")";
      } else if (match !== null && match[0] !== saved) {
        label = "Use " + match[1];
      }
      if (label) {
        deviceButton.textContent = label;
        deviceButton.value = detected;
        deviceButton.hidden = false;
      }
    }
  }

  // Live notifications for signed-in people.
  if (document.body.dataset.userId && window.io) {
    // WebSocket first; where a state network blocks it, HTTP long-polling carries the same events.
    var socket = window.io("/live", { transports: ["websocket", "polling"], tryAllTransports: true });
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
    // The header's count goes down as notices are read (here or in another tab) or taken back
    // because their subject is gone; the server counts only what the person may still see.
    function lowerBadge(by) {
      var badge = document.querySelector("[data-notification-count]");
      if (!badge) { return; }
      var left = Math.max(0, Number(badge.textContent || "0") - by);
      badge.textContent = String(left);
      if (left === 0) { badge.hidden = true; }
    }
    window.workspaceLowerBadge = lowerBadge;
    socket.on("notifications_withdrawn", function (data) { lowerBadge(data.ids.length); });
    socket.on("notification_read", function () { lowerBadge(1); });
    socket.on("notifications_read", function (data) { lowerBadge(data.ids.length); });
    // The server closes a person's connections when their access changes; the page connects
    // again (refused if the session has ended) and each feature asks again for its rooms.
    socket.on("disconnect", function (reason) {
      if (reason === "io server disconnect") {
        window.setTimeout(function () { socket.connect(); }, 1000);
      }
    });
  }
})();
