// The room's action items (templates/sessions/room/_actions.html), on window.workspaceRoom:
// anyone in the room writes one down; its author or a facilitator edits it, marks it done or
// removes it. Everyone's list follows action_items_changed; additions are announced.
(function () {
  "use strict";

  var room = window.workspaceRoom;
  var panel = document.querySelector("[data-actions]");
  if (!room || !panel) { return; }
  var list = panel.querySelector("[data-action-list]");
  var empty = panel.querySelector("[data-actions-empty]");
  var form = panel.querySelector("[data-action-form]");
  var legend = panel.querySelector("[data-action-legend]");
  var submit = panel.querySelector("[data-action-submit]");
  var cancel = panel.querySelector("[data-action-cancel]");
  // USWDS buttons set their own display, so the button's wrapper is what hides.
  var cancelWrap = panel.querySelector("[data-action-cancel-wrap]");
  var formError = panel.querySelector("[data-action-error]");
  var states = panel.querySelector("[data-action-states]");
  var owners = panel.querySelector("[data-action-owners]");
  var items = [];
  var editing = null;  // the id of the item the form is changing, or null when adding

  function element(tag, attributes, text) {
    var made = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      made.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) { made.textContent = text; }
    return made;
  }

  function fillChoices(select, choices, label) {
    var chosen = select.value;
    while (select.options.length > 1) { select.remove(1); }
    choices.forEach(function (choice) {
      select.appendChild(element("option", {value: String(choice.id)}, label(choice)));
    });
    select.value = chosen;
  }

  function mayChange(item) {
    return room.me.may_run || item.author.id === room.me.id;
  }

  function dueLabel(iso) {
    var parts = iso.split("-").map(Number);
    return new Date(parts[0], parts[1] - 1, parts[2]).toLocaleDateString(undefined,
      {year: "numeric", month: "long", day: "numeric"});
  }

  function itemElement(item) {
    var row = element("li", {"class": "workspace-action-item", "data-action-item":
      String(item.id)});
    var what = element("p", {}, item.text + (item.done ? " " : ""));
    if (item.done) { what.appendChild(element("span", {"class": "usa-tag"}, "Done")); }
    row.appendChild(what);
    var facts = [];
    if (item.organization) { facts.push(item.organization.name); }
    if (item.owner) { facts.push("Owner: " + item.owner.name); }
    if (item.due_on) { facts.push("Due " + dueLabel(item.due_on)); }
    facts.push("Added by " + item.author.name);
    row.appendChild(element("p", {"class": "workspace-meta"}, facts.join(" · ")));
    if (mayChange(item)) {
      var group = element("div", {"class": "usa-button-group"});
      var name = " “" + item.text + "”";
      var done = element("button", {type: "button", "class": "usa-button usa-button--outline",
                                    "aria-pressed": item.done ? "true" : "false",
                                    "data-done": ""}, "Done");
      done.appendChild(element("span", {"class": "usa-sr-only"}, name));
      done.addEventListener("click", function () {
        room.ask("update_action_item", {item_id: item.id, done: !item.done}).then(
          function (answer) {
            room.announce(answer.ok ? (answer.item.done ? "Marked done." : "Marked not done.")
                          : answer.error);
          });
      });
      var edit = element("button", {type: "button", "class": "usa-button usa-button--outline"},
                         "Edit");
      edit.appendChild(element("span", {"class": "usa-sr-only"}, name));
      edit.addEventListener("click", function () { startEditing(item); });
      var remove = element("button", {type: "button", "class": "usa-button usa-button--unstyled"},
                           "Remove");
      remove.appendChild(element("span", {"class": "usa-sr-only"}, name));
      remove.addEventListener("click", function () {
        room.ask("remove_action_item", {item_id: item.id}).then(function (answer) {
          room.announce(answer.ok ? "Action item removed." : answer.error);
          if (answer.ok && editing === item.id) { stopEditing(); }
        });
      });
      group.appendChild(done);
      group.appendChild(edit);
      group.appendChild(remove);
      row.appendChild(group);
    }
    return row;
  }

  function render(fresh) {
    var focused = document.activeElement;
    var focusedItem = list.contains(focused) ? focused.closest("[data-action-item]") : null;
    var focusedKey = focusedItem ? focusedItem.dataset.actionItem : null;
    var focusedText = focused ? focused.textContent : "";
    items = fresh;
    list.textContent = "";
    items.forEach(function (item) { list.appendChild(itemElement(item)); });
    empty.hidden = items.length > 0;
    if (focusedKey) {
      var again = list.querySelector("[data-action-item='" + focusedKey + "']");
      var target = again && Array.prototype.find.call(again.querySelectorAll("button"),
        function (each) { return each.textContent === focusedText; });
      (target || panel.querySelector("h2")).focus();
    }
  }

  function startEditing(item) {
    editing = item.id;
    form.elements.text.value = item.text;
    states.value = item.organization ? String(item.organization.id) : "";
    owners.value = item.owner ? String(item.owner.id) : "";
    form.elements.due_on.value = item.due_on || "";
    legend.textContent = "Change the action item";
    submit.textContent = "Save the change";
    cancelWrap.hidden = false;
    form.elements.text.focus();
  }

  function stopEditing() {
    editing = null;
    form.reset();
    legend.textContent = "New action item";
    submit.textContent = "Add the action item";
    cancelWrap.hidden = true;
    formError.hidden = true;
  }

  function chosenId(select) {
    return select.value ? Number(select.value) : null;
  }

  room.onJoined(function (snapshot) {
    var choices = snapshot.action_item_choices || {organizations: [], people: []};
    fillChoices(states, choices.organizations, function (o) { return o.name; });
    fillChoices(owners, choices.people, function (p) {
      return p.state ? p.name + " (" + p.state + ")" : p.name;
    });
    render(snapshot.action_items || []);
  });

  room.on("action_items_changed", function (data) {
    var known = {};
    items.forEach(function (item) { known[item.id] = true; });
    var added = data.items.filter(function (item) { return !known[item.id]; });
    render(data.items);
    added.filter(function (item) { return item.author.id !== room.me.id; }).forEach(function (item) {
      room.announce("Action item added by " + item.author.name + ": " + item.text);
    });
  });

  cancel.addEventListener("click", function () {
    stopEditing();
    form.elements.text.focus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var payload = {text: form.elements.text.value, organization_id: chosenId(states),
                   owner_id: chosenId(owners), due_on: form.elements.due_on.value || null};
    var asked = editing === null ? room.ask("add_action_item", payload) :
      room.ask("update_action_item", Object.assign({item_id: editing}, payload));
    asked.then(function (answer) {
      formError.hidden = answer.ok;
      formError.textContent = answer.ok ? "" : answer.error;
      if (answer.ok) {
        room.announce(editing === null ? "Action item added." : "Action item saved.");
        stopEditing();
      }
    });
  });
})();
