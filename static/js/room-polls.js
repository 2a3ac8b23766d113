// The room's polls (templates/sessions/room/_polls.html), on window.workspaceRoom: everyone
// answers an open poll (and may change the answer until it closes); the facilitators make,
// open, close and reveal polls and follow the results as they arrive. Changes are announced.
(function () {
  "use strict";

  var room = window.workspaceRoom;
  var panel = document.querySelector("[data-polls]");
  if (!room || !panel) { return; }
  var list = panel.querySelector("[data-poll-list]");
  var empty = panel.querySelector("[data-polls-empty]");
  var form = panel.querySelector("[data-poll-form]");
  var formError = panel.querySelector("[data-poll-error]");
  var polls = {};  // id -> poll, as the server last told us
  var order = [];
  var STATES = {draft: "Not yet asked", open: "Open", closed: "Closed"};

  function element(tag, attributes, text) {
    var made = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      made.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) { made.textContent = text; }
    return made;
  }

  function button(label, hidden, handler, classes) {
    var made = element("button", {type: "button", "class": "usa-button " + (classes ||
      "usa-button--outline")}, label);
    if (hidden) { made.appendChild(element("span", {"class": "usa-sr-only"}, hidden)); }
    made.addEventListener("click", handler);
    return made;
  }

  function report(answer, done) {
    room.announce(answer.ok ? done : answer.error);
  }

  function results(poll) {
    var box = element("div", {"class": "workspace-poll__results"});
    var total = poll.results.voters;
    box.appendChild(element("p", {"class": "workspace-meta"},
      total + (total === 1 ? " person" : " people") + " answered" +
      (poll.results_revealed ? "; everyone sees these results." :
       "; only the facilitators see these results.")));
    var rows = element("ul", {"class": "usa-list"});
    poll.options.forEach(function (option, index) {
      var votes = poll.results.options[index] ? poll.results.options[index].votes : 0;
      var share = total ? Math.round(votes * 100 / total) : 0;
      var row = element("li", {}, option.label + ": " + votes + " (" + share + "%)");
      var bar = element("meter", {min: "0", max: "100", value: String(share),
                                  "aria-hidden": "true"});
      row.appendChild(bar);
      rows.appendChild(row);
    });
    box.appendChild(rows);
    return box;
  }

  function ballot(poll) {
    var chooser = element("form", {"class": "usa-form workspace-poll__ballot", novalidate: ""});
    var fieldset = element("fieldset", {"class": "usa-fieldset"});
    fieldset.appendChild(element("legend", {"class": "usa-sr-only"}, poll.question));
    var type = poll.kind === "multiple" ? "checkbox" : "radio";
    poll.options.forEach(function (option) {
      var id = "poll-" + poll.id + "-option-" + option.id;
      var wrap = element("div", {"class": "usa-" + type});
      var input = element("input", {"class": "usa-" + type + "__input", type: type, id: id,
                                    name: "poll-" + poll.id, value: String(option.id)});
      input.checked = (poll.my_vote || []).indexOf(option.id) !== -1;
      wrap.appendChild(input);
      wrap.appendChild(element("label", {"class": "usa-" + type + "__label", "for": id},
                               option.label));
      fieldset.appendChild(wrap);
    });
    chooser.appendChild(fieldset);
    var error = element("span", {"class": "usa-error-message", role: "alert"});
    error.hidden = true;
    chooser.appendChild(error);
    chooser.appendChild(element("button", {type: "submit", "class": "usa-button"},
                                poll.my_vote ? "Change my answer" : "Answer"));
    chooser.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = Array.prototype.map.call(
        chooser.querySelectorAll("input:checked"), function (input) {
          return Number(input.value);
        });
      room.ask("vote", {poll_id: poll.id, option_ids: chosen}).then(function (answer) {
        error.hidden = answer.ok;
        error.textContent = answer.ok ? "" : answer.error;
        if (answer.ok) {
          poll.my_vote = answer.my_vote;
          room.announce("Your answer is in. You can change it while the poll is open.");
          redraw(poll.id, "button[type=submit]");
        }
      });
    });
    return chooser;
  }

  function controls(poll) {
    var group = element("div", {"class": "usa-button-group"});
    var name = " “" + poll.question + "”";
    function act(event, done) {
      return function () {
        room.ask(event, {poll_id: poll.id}).then(function (answer) { report(answer, done); });
      };
    }
    if (poll.state !== "open") {
      group.appendChild(button(poll.state === "draft" ? "Open" : "Reopen", name,
                               act("open_poll", "Poll opened.")));
    } else {
      group.appendChild(button("Close", name, act("close_poll", "Poll closed.")));
    }
    if (poll.state !== "draft" && !poll.results_revealed) {
      group.appendChild(button("Show results to everyone", name,
                               act("reveal_results", "Results shown to everyone.")));
    }
    if (poll.state === "draft") {
      group.appendChild(button("Delete", name, act("delete_poll", "Poll deleted."),
                               "usa-button--unstyled"));
    }
    return group;
  }

  function pollItem(poll) {
    var item = element("li", {"class": "workspace-poll", "data-poll": String(poll.id)});
    var heading = element("h3", {"class": "workspace-poll__question"}, poll.question + " ");
    heading.appendChild(element("span", {"class": "usa-tag"}, STATES[poll.state]));
    item.appendChild(heading);
    item.appendChild(element("p", {"class": "workspace-meta"}, poll.kind === "multiple" ?
      "Choose any number of answers." : "Choose one answer."));
    if (poll.state === "open") {
      item.appendChild(ballot(poll));
    } else if (poll.state === "draft") {
      var options = element("ul", {"class": "usa-list"});
      poll.options.forEach(function (option) {
        options.appendChild(element("li", {}, option.label));
      });
      item.appendChild(options);
    } else if (poll.my_vote) {
      var mine = poll.options.filter(function (option) {
        return poll.my_vote.indexOf(option.id) !== -1;
      }).map(function (option) { return option.label; });
      item.appendChild(element("p", {}, "Your answer: " + mine.join(", ") + "."));
    }
    if (poll.results && poll.state !== "draft") { item.appendChild(results(poll)); }
    if (room.me.may_run) { item.appendChild(controls(poll)); }
    return item;
  }

  // Redraw one poll; keyboard focus inside it stays on the matching control.
  function redraw(pollId, focusSelector) {
    var old = list.querySelector("[data-poll='" + pollId + "']");
    var focused = old && old.contains(document.activeElement) ? document.activeElement : null;
    var poll = polls[pollId];
    var fresh = poll ? pollItem(poll) : null;
    if (old && fresh) { list.replaceChild(fresh, old); }
    else if (old) { old.remove(); }
    else if (fresh) { list.appendChild(fresh); }
    if (fresh && (focused || focusSelector)) {
      var target = focusSelector ? fresh.querySelector(focusSelector) :
        (focused.id && fresh.querySelector("#" + CSS.escape(focused.id))) ||
        Array.prototype.find.call(fresh.querySelectorAll("button"), function (each) {
          return each.textContent === focused.textContent;
        });
      (target || fresh.querySelector("button, input") || fresh).focus();
    } else if (focused && !fresh) {
      list.parentNode.querySelector("h2").setAttribute("tabindex", "-1");
      list.parentNode.querySelector("h2").focus();
    }
    empty.hidden = order.length > 0;
  }

  function keep(poll) {
    var known = polls[poll.id];
    if (known) {
      // Broadcasts carry no one's own answer, and results only where the reader may see them.
      if (poll.my_vote === null || poll.my_vote === undefined) { poll.my_vote = known.my_vote; }
      if (!poll.results && known.results && (room.me.may_run || poll.results_revealed)) {
        poll.results = known.results;
      }
    } else {
      order.push(poll.id);
    }
    polls[poll.id] = poll;
    redraw(poll.id);
  }

  room.onJoined(function (snapshot) {
    polls = {};
    order = [];
    list.textContent = "";
    (snapshot.polls || []).forEach(keep);
    empty.hidden = order.length > 0;
  });

  room.on("poll_saved", function (data) { keep(data.poll); });

  room.on("poll_deleted", function (data) {
    delete polls[data.poll_id];
    order = order.filter(function (id) { return id !== data.poll_id; });
    redraw(data.poll_id);
  });

  room.on("poll_opened", function (data) {
    keep(data.poll);
    room.announce("Poll opened: " + data.poll.question);
  });

  room.on("poll_closed", function (data) {
    var poll = polls[data.poll_id];
    if (!poll) { return; }
    poll.state = "closed";
    redraw(poll.id);
    room.announce("Poll closed: " + poll.question);
  });

  room.on("poll_results", function (data) {
    var poll = polls[data.poll_id];
    if (!poll) { return; }
    var newlyShown = data.revealed && !poll.results_revealed;
    poll.results = data.results;
    poll.results_revealed = data.revealed;
    redraw(poll.id);
    if (newlyShown) { room.announce("Results shown for the poll: " + poll.question); }
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var kind = form.querySelector("input[name=kind]:checked");
      room.ask("create_poll", {
        question: form.elements.question.value,
        kind: kind ? kind.value : "single",
        options: form.elements.options.value.split("\n")
      }).then(function (answer) {
        formError.hidden = answer.ok;
        formError.textContent = answer.ok ? "" : answer.error;
        if (answer.ok) {
          form.reset();
          keep(answer.poll);
          room.announce("Poll added, not yet open: " + answer.poll.question);
        }
      });
    });
  }
})();
