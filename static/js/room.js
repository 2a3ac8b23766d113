// A session's live room: joins over the page's Socket.IO connection, keeps the chat in the
// order of the room's numbers (not arrival), sends each message once however often it is
// retried, catches up on what it missed after a reconnect, and announces what matters (turns,
// timers, notices) to screen readers. Other parts of the room (polls, notes, action items)
// plug in through window.workspaceRoom.
(function () {
  "use strict";

  var root = document.querySelector("[data-room]");
  var socket = window.workspaceSocket;
  if (!root || !socket) { return; }
  var sessionId = Number(root.dataset.room);
  var mayRun = root.dataset.mayRun === "true";
  var announce = window.workspaceAnnounce || function () {};
  var $ = function (selector) { return root.querySelector(selector); };

  var chat = $("[data-chat]");
  var chatEmpty = $("[data-chat-empty]");
  var form = $("[data-chat-form]");
  var input = $("[data-chat-input]");
  var chatError = $("[data-chat-error]");
  var connection = $("[data-connection]");
  var errorBox = $("[data-room-error]");
  var errorText = $("[data-room-error-text]");

  var lastSeq = 0;
  var me = {id: Number(document.body.dataset.userId), may_run: mayRun};
  var joined = false;
  var inRoom = false;  // this connection has joined (false again once it drops)
  var removed = false;
  var outbox = {};  // client_id -> {body, item, extra}: sent but not yet acknowledged
  var groupChats = {};  // group id -> its chat list, for the groups this page shows
  var handlers = {};
  var joinedHandlers = [];
  var lastHands = [];
  var timerEndsAt = null;
  var timerTick = null;
  var STATE_NAMES = {open: "Open", hosts: "Hosts only", closed: "Not open yet", ended: "Ended"};

  // --- The API other parts of the room use -------------------------------------------------

  function ask(event, payload) {
    var data = Object.assign({session_id: sessionId}, payload || {});
    return new Promise(function (resolve) {
      socket.timeout(10000).emit(event, data, function (err, ack) {
        if (err) {
          resolve({ok: false, error: "The connection is slow or lost. Please try again.",
                   timeout: true});
          return;
        }
        resolve(ack || {ok: false, error: "No answer from the server."});
      });
    });
  }

  function on(event, handler) {
    (handlers[event] = handlers[event] || []).push(handler);
    if (handlers[event].length === 1) {
      socket.on(event, function (data) {
        if (!data || data.session_id !== sessionId) { return; }
        handlers[event].forEach(function (each) { each(data); });
      });
    }
  }

  window.workspaceRoom = {
    sessionId: sessionId, me: me, ask: ask, on: on, announce: announce,
    onJoined: function (handler) { joinedHandlers.push(handler); },
    isInRoom: function () { return inRoom; }
  };

  // --- Showing the room ----------------------------------------------------------------------

  function showError(message) {
    errorText.textContent = message;
    errorBox.hidden = !message;
  }

  function text(html) {
    var box = document.createElement("div");
    box.innerHTML = html;
    return box.textContent || "";
  }

  // Times in the person's own zone (their profile's), as every page shows them.
  var zone = root.dataset.timeZone;
  function clockTime(iso) {
    var options = {hour: "numeric", minute: "2-digit"};
    try {
      return new Date(iso).toLocaleTimeString("en-US", Object.assign({timeZone: zone}, options));
    } catch (error) {
      return new Date(iso).toLocaleTimeString("en-US", options);
    }
  }

  function personLabel(person) {
    return person.name + (person.state ? " (" + person.state + ")" : "") +
      (person.role ? ", " + person.role : "");
  }

  function messageItem(message) {
    var item = document.createElement("li");
    item.className = "workspace-chat__message";
    item.dataset.seq = message.seq;
    if (message.id) { item.dataset.id = message.id; }
    fillMessage(item, message);
    return item;
  }

  function fillMessage(item, message) {
    item.textContent = "";
    if (message.removed) {
      item.classList.add("workspace-chat__message--removed");
      item.textContent = "Message removed by a facilitator.";
      return;
    }
    var head = document.createElement("p");
    head.className = "workspace-chat__author";
    var who = document.createElement("strong");
    who.textContent = personLabel(message.author);
    head.appendChild(who);
    if (message.sent_at) {
      var when = document.createElement("time");
      when.dateTime = message.sent_at;
      when.textContent = " " + clockTime(message.sent_at);
      head.appendChild(when);
    }
    var body = document.createElement("div");
    body.className = "workspace-chat__body workspace-user-content";
    body.innerHTML = message.html;  // rendered and sanitized by the server's one function
    item.appendChild(head);
    item.appendChild(body);
    if (message.id && message.author && message.author.id !== me.id) {
      item.appendChild(actionButton("Flag", "flag", message));
    }
    if (message.id && me.may_run) {
      item.appendChild(actionButton("Delete", "delete", message));
    }
  }

  function actionButton(label, action, message) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "usa-button usa-button--unstyled workspace-chat__action";
    button.dataset.messageAction = action;
    button.dataset.messageId = message.id;
    button.textContent = label;
    var hidden = document.createElement("span");
    hidden.className = "usa-sr-only";
    hidden.textContent = " message from " + message.author.name;
    button.appendChild(hidden);
    return button;
  }

  function listFor(message) {
    if (!message.group_id) { return chat; }
    return groupChats[message.group_id] || null;
  }

  function placeMessage(message) {
    // The room's number decides the place, whatever order messages arrive in.
    var list = listFor(message);
    var existing = root.querySelector('[data-seq="' + message.seq + '"]');
    if (existing) {
      fillMessage(existing, message);
      return;
    }
    var pending = message.client_id && outbox[message.client_id];
    if (pending) {
      pending.item.remove();
      delete outbox[message.client_id];
    }
    lastSeq = Math.max(lastSeq, message.seq || 0);
    if (!list) { return; }  // a group this page doesn't show; the record keeps it
    var item = messageItem(message);
    if (message.to_all_groups) {
      item.classList.add("workspace-chat__message--to-all");
      if (joined) { announce("Message to all groups: " + text(message.html)); }
    }
    var after = null;
    var items = list.querySelectorAll("[data-seq]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (Number(items[i].dataset.seq) < message.seq) { after = items[i]; break; }
    }
    if (after) { after.after(item); } else { list.insertBefore(item, list.firstChild); }
    // Messages still sending stay below everything the room has numbered.
    list.querySelectorAll("[data-pending]").forEach(function (each) { list.appendChild(each); });
    if (list === chat) { chatEmpty.hidden = true; }
  }

  function renderPeople(people, muted) {
    var list = $("[data-people]");
    list.textContent = "";
    people.forEach(function (person) {
      var item = document.createElement("li");
      item.className = "workspace-room__person";
      var name = document.createElement("span");
      name.textContent = personLabel(person) +
        ((muted || []).indexOf(person.id) >= 0 ? " · chat muted" : "");
      item.appendChild(name);
      if (me.may_run && person.id !== me.id) {
        var isMuted = (muted || []).indexOf(person.id) >= 0;
        item.appendChild(personButton(isMuted ? "Unmute chat" : "Mute chat", "mute", person,
                                      isMuted));
        item.appendChild(personButton("Remove", "remove", person, false));
      }
      list.appendChild(item);
    });
    $("[data-people-count]").textContent = "(" + people.length + ")";
    peopleShown = people;
  }
  var peopleShown = [];
  var mutedShown = [];

  function personButton(label, action, person, pressed) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "usa-button usa-button--unstyled workspace-room__person-action";
    button.dataset.personAction = action;
    button.dataset.userId = person.id;
    if (action === "mute") { button.dataset.muted = pressed ? "true" : "false"; }
    button.textContent = label;
    var hidden = document.createElement("span");
    hidden.className = "usa-sr-only";
    hidden.textContent = " " + person.name;
    button.appendChild(hidden);
    return button;
  }

  function renderHands(hands, called) {
    var list = $("[data-hands]");
    list.textContent = "";
    hands.forEach(function (person) {
      var item = document.createElement("li");
      item.textContent = personLabel(person);
      list.appendChild(item);
    });
    $("[data-hands-empty]").hidden = hands.length > 0;
    var mine = hands.some(function (person) { return person.id === me.id; });
    var button = $("[data-raise-hand]");
    button.setAttribute("aria-pressed", mine ? "true" : "false");
    button.textContent = mine ? "Lower hand" : "Raise hand";
    if (called) {
      announce(called.id === me.id ? "It's your turn to speak." :
               called.name + ", it's your turn to speak.");
    } else {
      var before = lastHands.map(function (person) { return person.id; });
      hands.forEach(function (person) {
        if (before.indexOf(person.id) < 0 && person.id !== me.id) {
          announce(person.name + " raised a hand.");
        }
      });
    }
    lastHands = hands;
  }

  function renderState(state) {
    var tag = $("[data-room-state]");
    tag.textContent = STATE_NAMES[state.state] || state.state;
    var notice = $("[data-notice]");
    var before = $("[data-notice-body]").innerHTML;
    $("[data-notice-body]").innerHTML = state.notice_html || "";
    notice.hidden = !state.notice_html;
    if (state.notice_html && state.notice_html !== before && joined) {
      announce("Notice from the facilitators: " + text(state.notice_html));
    }
    mutedShown = state.muted || [];
    var mutedNow = mutedShown.indexOf(me.id) >= 0;
    input.disabled = mutedNow || state.state === "ended";
    if (mutedNow) { showChatError("The facilitators muted your chat for now."); }
    else if (chatError.dataset.reason === "muted") { showChatError(""); }
    chatError.dataset.reason = mutedNow ? "muted" : "";
    renderPeople(peopleShown, mutedShown);
    setTimer(state.timer);
    if (state.state === "ended") {
      showError("The session has ended. Its record is on the session's page.");
    }
  }

  function setTimer(timer) {
    var box = $("[data-timer]");
    window.clearInterval(timerTick);
    if (!timer) {
      if (timerEndsAt && joined) { announce("The timer was stopped."); }
      timerEndsAt = null;
      box.hidden = true;
      return;
    }
    var ends = new Date(timer.ends_at).getTime();
    if (ends !== timerEndsAt && joined) {
      announce("Timer started: " + (timer.label ? timer.label + ", " : "") +
               Math.round((ends - Date.now()) / 60000) + " minutes.");
    }
    timerEndsAt = ends;
    $("[data-timer-label]").textContent = timer.label ? timer.label + ":" : "Time left:";
    box.hidden = false;
    function tick() {
      var left = Math.max(0, Math.round((timerEndsAt - Date.now()) / 1000));
      $("[data-timer-left]").textContent = Math.floor(left / 60) + ":" +
        String(left % 60).padStart(2, "0");
      if (left === 0) {
        window.clearInterval(timerTick);
        announce("Time is up" + (timer.label ? ": " + timer.label : "") + ".");
      }
    }
    tick();
    timerTick = window.setInterval(tick, 1000);
  }

  function showChatError(message) {
    chatError.textContent = message;
    chatError.hidden = !message;
  }

  // --- Joining, and catching up after a reconnect ---------------------------------------------

  function catchUp() {
    return ask("replay", {after_seq: lastSeq}).then(function (answer) {
      if (!answer.ok) { return; }
      answer.messages.forEach(placeMessage);
      if (answer.more) { return catchUp(); }
    });
  }

  function join() {
    if (removed) { return; }
    connection.textContent = "Joining the room…";
    ask("join_room", {last_seq: lastSeq}).then(function (answer) {
      if (!answer.ok) {
        joined = false;
        connection.textContent = "Not in the room.";
        showError(answer.error);
        return;
      }
      var snapshot = answer.room;
      me.may_run = snapshot.me.may_run;
      showError("");
      peopleShown = snapshot.people;
      renderState(snapshot);
      renderHands(snapshot.hands, null);
      renderGroups(snapshot.groups || [], false);
      snapshot.messages.forEach(placeMessage);
      var more = snapshot.more ? catchUp() : Promise.resolve();
      more.then(function () {
        // What was typed while the connection was down goes now, once: same client ids.
        Object.keys(outbox).forEach(function (clientId) { deliver(clientId); });
      });
      var wasJoined = joined;
      joined = true;
      inRoom = true;
      connection.textContent = wasJoined ? "Back in the room." : "You're in the room.";
      joinedHandlers.forEach(function (handler) { handler(snapshot); });
    });
  }

  socket.on("connect", join);
  if (socket.connected) { join(); }
  socket.on("disconnect", function () {
    inRoom = false;
    if (!removed) {
      connection.textContent = "Connection lost. Reconnecting… Messages you send will go " +
        "when it's back.";
    }
  });

  // --- Chat ----------------------------------------------------------------------------------

  function newClientId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "c" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function deliver(clientId) {
    var entry = outbox[clientId];
    if (!entry) { return; }
    // Out of the room (the connection dropped and the rejoin hasn't answered yet), it waits
    // in the outbox; joining sends everything there, under the same client ids.
    if (!inRoom) { return; }
    var payload = Object.assign({body: entry.body, client_id: clientId}, entry.extra || {});
    ask("send_message", payload).then(function (answer) {
      if (answer.ok) {
        placeMessage(answer.message);
        return;
      }
      if (answer.timeout) { return; }  // stays in the outbox; sent again on rejoin
      entry.item.remove();
      delete outbox[clientId];
      var field = entry.input || input;
      field.value = field.value || entry.body;  // never lose what they wrote
      if (field === input) { showChatError(answer.error); } else { announce(answer.error); }
    });
  }

  function queue(body, list, extra, field) {
    var clientId = newClientId();
    var item = document.createElement("li");
    item.className = "workspace-chat__message workspace-chat__message--pending";
    item.dataset.pending = clientId;
    item.textContent = body + " (sending…)";
    list.appendChild(item);
    outbox[clientId] = {body: body, item: item, extra: extra, input: field};
    deliver(clientId);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) { showChatError("Write something before sending."); return; }
    showChatError("");
    chatEmpty.hidden = true;
    input.value = "";
    queue(body, chat, null, input);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  chat.addEventListener("click", function (event) {
    var button = event.target.closest("[data-message-action]");
    if (!button) { return; }
    var messageId = Number(button.dataset.messageId);
    if (button.dataset.messageAction === "delete") {
      if (!window.confirm("Delete this message for everyone?")) { return; }
      ask("delete_message", {message_id: messageId}).then(function (answer) {
        announce(answer.ok ? "Message deleted." : answer.error);
      });
    } else {
      var reason = window.prompt("Why are you flagging this message? The facilitators will see your reason.");
      if (!reason) { return; }
      ask("flag_message", {message_id: messageId, reason: reason}).then(function (answer) {
        announce(answer.ok ? "Flagged. A facilitator will look at it." : answer.error);
      });
    }
  });

  on("message_added", placeMessage);
  on("message_removed", function (data) {
    var item = chat.querySelector('[data-seq="' + data.seq + '"]');
    if (item) { fillMessage(item, {removed: true}); }
  });
  // Arrivals and departures come one at a time; the whole list only with each (re)join.
  on("person_joined", function (data) {
    var others = peopleShown.filter(function (person) { return person.id !== data.person.id; });
    others.push(data.person);
    others.sort(function (a, b) { return a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1; });
    renderPeople(others, mutedShown);
  });
  on("person_left", function (data) {
    renderPeople(peopleShown.filter(function (person) { return person.id !== data.user_id; }),
                 mutedShown);
  });
  on("hands_changed", function (data) { renderHands(data.hands, data.called); });
  on("room_changed", renderState);
  socket.on("removed_from_room", function (data) {
    if (data.session_id !== sessionId) { return; }
    removed = true;
    joined = false;
    input.disabled = true;
    connection.textContent = "Not in the room.";
    showError("A facilitator removed you from this room.");
  });

  // --- Breakout groups ---------------------------------------------------------------------

  var groupsShown = [];
  var groupPanels = {};  // group id -> {section, heading, members, list}

  function makeGroupPanel(group) {
    var section = document.createElement("section");
    section.className = "workspace-room__group";
    section.setAttribute("aria-label", "Breakout group " + group.name);
    var heading = document.createElement("h3");
    section.appendChild(heading);
    var members = document.createElement("p");
    members.className = "workspace-meta";
    section.appendChild(members);
    var log = document.createElement("div");
    log.className = "workspace-chat workspace-chat--group";
    log.setAttribute("role", "log");
    log.setAttribute("aria-label", "Chat in " + group.name);
    log.tabIndex = 0;
    var list = document.createElement("ol");
    list.className = "workspace-chat__list";
    log.appendChild(list);
    section.appendChild(log);
    var groupForm = document.createElement("form");
    groupForm.className = "usa-form workspace-chat__form";
    groupForm.noValidate = true;
    var fieldId = "group-" + group.id + "-message";
    var label = document.createElement("label");
    label.className = "usa-label";
    label.htmlFor = fieldId;
    label.textContent = "Message to " + group.name;
    var field = document.createElement("input");
    field.className = "usa-input";
    field.id = fieldId;
    field.maxLength = 2000;
    var send = document.createElement("button");
    send.type = "submit";
    send.className = "usa-button usa-button--outline";
    send.textContent = "Send to group";
    groupForm.appendChild(label);
    groupForm.appendChild(field);
    groupForm.appendChild(send);
    groupForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = field.value.trim();
      if (!body) { announce("Write something before sending."); return; }
      field.value = "";
      queue(body, list, {group_id: group.id}, field);
    });
    section.appendChild(groupForm);
    if (window.workspaceRoom.bindNotes) {
      var notes = document.createElement("div");
      notes.className = "workspace-room__group-notes";
      notes.dataset.notes = "";
      notes.dataset.notesGroup = group.id;
      var notesId = "group-" + group.id + "-notes";
      var notesLabel = document.createElement("label");
      notesLabel.className = "usa-label";
      notesLabel.htmlFor = notesId;
      notesLabel.textContent = "Notes of " + group.name;
      var area = document.createElement("textarea");
      area.className = "usa-textarea workspace-notes__input";
      area.id = notesId;
      area.rows = 6;
      area.disabled = true;
      area.dataset.notesInput = "";
      var status = document.createElement("p");
      status.className = "workspace-meta";
      status.id = notesId + "-status";
      status.setAttribute("role", "status");
      status.dataset.notesStatus = "";
      area.setAttribute("aria-describedby", status.id);
      notes.appendChild(notesLabel);
      notes.appendChild(area);
      notes.appendChild(status);
      section.appendChild(notes);
      window.workspaceRoom.bindNotes(notes);
    }
    return {section: section, heading: heading, members: members, list: list};
  }

  function renderGroups(groups, announceChange) {
    var panel = $("[data-groups-panel]");
    var box = $("[data-groups]");
    var mine = groups.filter(function (group) {
      return group.members.some(function (person) { return person.id === me.id; });
    });
    var shown = me.may_run ? groups : mine;
    panel.hidden = !me.may_run && !shown.length;
    $("[data-groups-empty]").hidden = groups.length > 0;
    box.textContent = "";
    groupChats = {};
    shown.forEach(function (group) {
      // A group's panel is made once and kept while the group meets: its chat, its notes.
      var cached = groupPanels[group.id];
      if (!cached) {
        cached = groupPanels[group.id] = makeGroupPanel(group);
        ask("join_group", {group_id: group.id}).then(function (answer) {
          if (answer.ok) { catchUpFrom(0); }
        });
      }
      cached.heading.textContent = (me.may_run ? "" : "Your group: ") + group.name;
      cached.members.textContent = group.members.map(personLabel).join("; ") || "No one yet";
      groupChats[group.id] = cached.list;
      box.appendChild(cached.section);
    });
    Object.keys(groupPanels).forEach(function (id) {
      if (!groupChats[id]) { delete groupPanels[id]; }
    });
    var moveForm = $("[data-move-form]");
    var allForm = $("[data-all-groups-form]");
    if (moveForm) { moveForm.hidden = !groups.length; allForm.hidden = !groups.length; }
    if (moveForm && groups.length) {
      var people = $("[data-move-person]");
      var targets = $("[data-move-group]");
      people.textContent = "";
      targets.textContent = "";
      groups.forEach(function (group) {
        targets.appendChild(new Option(group.name, group.id));
        group.members.forEach(function (person) {
          people.appendChild(new Option(personLabel(person) + " — in " + group.name, person.id));
        });
      });
    }
    if (announceChange) {
      if (!groups.length) { announce("Breakouts are over: everyone is back in the main room."); }
      else if (mine.length) { announce("You are in breakout group " + mine[0].name + "."); }
      else if (me.may_run) { announce(groups.length + " breakout groups are meeting."); }
    }
    groupsShown = groups;
  }

  function catchUpFrom(seq) {
    // Group chats fill in from the start: the room's replay sends what this person may hear.
    ask("replay", {after_seq: seq}).then(function (answer) {
      if (!answer.ok) { return; }
      answer.messages.forEach(function (message) {
        if (message.group_id && !root.querySelector('[data-seq="' + message.seq + '"]')) {
          placeMessage(message);
        }
      });
      if (answer.more && answer.messages.length) {
        catchUpFrom(answer.messages[answer.messages.length - 1].seq);
      }
    });
  }

  ["breakouts_started", "breakouts_changed", "breakouts_ended"].forEach(function (event) {
    on(event, function (data) { renderGroups(data.groups, event !== "breakouts_changed"); });
  });

  var breakoutsForm = $("[data-breakouts-form]");
  if (breakoutsForm) {
    breakoutsForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var method = breakoutsForm.querySelector("input[name=split]:checked").value;
      var payload = {method: method};
      if (method === "random") { payload.count = Number(breakoutsForm.elements.count.value); }
      ask("start_breakouts", payload).then(function (answer) { report(answer, null); });
    });
    $("[data-move-form]").addEventListener("submit", function (event) {
      event.preventDefault();
      ask("move_to_group", {user_id: Number($("[data-move-person]").value),
                            group_id: Number($("[data-move-group]").value)})
        .then(function (answer) { report(answer, "Moved."); });
    });
    $("[data-all-groups-form]").addEventListener("submit", function (event) {
      event.preventDefault();
      var field = event.currentTarget.elements.body;
      var body = field.value.trim();
      if (!body) { announce("Write something before sending."); return; }
      field.value = "";
      queue(body, chat, {to_all_groups: true}, field);
    });
    click("[data-end-breakouts]", function () {
      ask("end_breakouts").then(function (answer) { report(answer, null); });
    });
  }

  // --- Hands and the facilitator's controls --------------------------------------------------

  function report(answer, done) {
    if (answer.ok) { if (done) { announce(done); } } else { announce(answer.error); }
  }

  $("[data-raise-hand]").addEventListener("click", function (event) {
    var raised = event.currentTarget.getAttribute("aria-pressed") === "true";
    ask(raised ? "lower_hand" : "raise_hand").then(function (answer) {
      report(answer, raised ? "Your hand is lowered." : "Your hand is raised.");
    });
  });

  function click(selector, handler) {
    var element = $(selector);
    if (element) { element.addEventListener("click", handler); }
  }

  click("[data-call-next]", function () {
    ask("call_next").then(function (answer) { report(answer, null); });
  });
  click("[data-lower-all]", function () {
    ask("lower_all_hands").then(function (answer) { report(answer, "All hands lowered."); });
  });
  click("[data-start]", function () {
    ask("start_session").then(function (answer) { report(answer, "The session has started."); });
  });
  click("[data-end]", function () {
    ask("end_session").then(function (answer) { report(answer, "The session has ended."); });
  });
  click("[data-timer-stop]", function () {
    ask("set_timer", {minutes: 0}).then(function (answer) { report(answer, null); });
  });

  var noticeForm = $("[data-notice-form]");
  if (noticeForm) {
    noticeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      ask("pin_notice", {text: noticeForm.elements.text.value}).then(function (answer) {
        report(answer, noticeForm.elements.text.value ? "Notice pinned." : "Notice removed.");
      });
    });
  }
  var timerForm = $("[data-timer-form]");
  if (timerForm) {
    timerForm.addEventListener("submit", function (event) {
      event.preventDefault();
      ask("set_timer", {minutes: Number(timerForm.elements.minutes.value),
                        label: timerForm.elements.label.value}).then(function (answer) {
        report(answer, null);
      });
    });
  }

  $("[data-people]").addEventListener("click", function (event) {
    var button = event.target.closest("[data-person-action]");
    if (!button) { return; }
    var userId = Number(button.dataset.userId);
    if (button.dataset.personAction === "mute") {
      var muted = button.dataset.muted !== "true";
      ask("mute_participant", {user_id: userId, muted: muted}).then(function (answer) {
        report(answer, muted ? "Chat muted." : "Chat unmuted.");
      });
    } else {
      if (!window.confirm("Remove this person from the room for the rest of the session?")) {
        return;
      }
      ask("remove_participant", {user_id: userId}).then(function (answer) {
        report(answer, "Removed from the room.");
      });
    }
  });
})();
