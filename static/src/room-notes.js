// The room's shared notes: a textarea bound to a Yjs document (Y.Text "notes") that everyone in
// the room edits at once. Typing becomes Yjs inserts and deletes; the server merges them
// (pycrdt) and relays them, so nobody's words are overwritten. At every (re)join the page and
// the server swap what the other lacks (the Yjs sync exchange), so what was typed offline
// merges on reconnect; a copy in localStorage keeps it even across a reload while offline.
// Bundled by esbuild (`make assets`) into static/vendor/room-notes.js.
import * as Y from "yjs";

const LOCAL = "textarea";
const REMOTE = "server";
const SEND_EVERY_MS = 700;  // batches typing: the live events share a per-person rate limit
const FIRST_RETRY_MS = 3000;
const LAST_RETRY_MS = 60000;

function bindNotes(room, panel) {
  const input = panel.querySelector("[data-notes-input]");
  const status = panel.querySelector("[data-notes-status]");
  const groupId = panel.dataset.notesGroup ? Number(panel.dataset.notesGroup) : null;
  const where = groupId === null ? {} : {group_id: groupId};
  const storageKey = ["workspace-notes", room.me.id, room.sessionId, groupId || "room"].join(":");

  const doc = new Y.Doc();
  const text = doc.getText("notes");
  let shown = "";  // what the textarea held after the last change we know of
  let pending = [];  // local updates the server hasn't acknowledged
  let sending = false;
  let retryMs = FIRST_RETRY_MS;
  let timer = null;
  let joined = false;
  let closed = false;
  let composing = false;
  let heldWhileComposing = [];
  let lastStatus = "";
  const SAVED = "All changes saved.";
  const MERGED = "Reconnected. Your notes and everyone else's are merged.";
  let savedMessage = SAVED;  // what a successful send reports (after a reconnect: the merge)

  function say(message) {
    // A polite live region: only changes of state are written, never every keystroke.
    if (message !== lastStatus) { status.textContent = message; lastStatus = message; }
  }

  // --- Keeping a copy in this browser ------------------------------------------------------------

  function restore() {
    try {
      const saved = window.localStorage.getItem(storageKey);
      if (saved) { Y.applyUpdate(doc, Uint8Array.from(atob(saved), (c) => c.charCodeAt(0)), REMOTE); }
    } catch (error) { /* storage unavailable or damaged: the server's copy is enough */ }
  }

  function keep() {
    try {
      const state = Y.encodeStateAsUpdate(doc);
      let binary = "";
      for (let i = 0; i < state.length; i += 0x8000) {
        binary += String.fromCharCode.apply(null, state.subarray(i, i + 0x8000));
      }
      window.localStorage.setItem(storageKey, btoa(binary));
    } catch (error) { /* full or private mode: the notes still sync while online */ }
  }

  // --- Textarea -> document ----------------------------------------------------------------------

  function takeTyping() {
    const now = input.value;
    if (now === shown) { return; }
    let start = 0;
    const shortest = Math.min(now.length, shown.length);
    while (start < shortest && now[start] === shown[start]) { start += 1; }
    let endNow = now.length;
    let endShown = shown.length;
    while (endNow > start && endShown > start && now[endNow - 1] === shown[endShown - 1]) {
      endNow -= 1;
      endShown -= 1;
    }
    doc.transact(() => {
      if (endShown > start) { text.delete(start, endShown - start); }
      if (endNow > start) { text.insert(start, now.slice(start, endNow)); }
    }, LOCAL);
    shown = now;
  }

  input.addEventListener("compositionstart", () => { composing = true; });
  input.addEventListener("compositionend", () => {
    composing = false;
    takeTyping();
    heldWhileComposing.splice(0).forEach((update) => Y.applyUpdate(doc, update, REMOTE));
  });
  input.addEventListener("input", (event) => {
    if (composing || event.isComposing) { return; }
    takeTyping();
  });

  // --- Document -> textarea, keeping the caret where the person left it ---------------------------

  function moved(delta, index) {
    let old = 0;
    let shift = 0;
    for (const op of delta) {
      if (old > index) { break; }
      if (op.retain !== undefined) {
        old += op.retain;
      } else if (op.insert !== undefined) {
        if (old < index) { shift += typeof op.insert === "string" ? op.insert.length : 1; }
      } else if (op.delete !== undefined) {
        if (old < index) { shift -= Math.min(op.delete, index - old); }
        old += op.delete;
      }
    }
    return index + shift;
  }

  text.observe((event) => {
    if (event.transaction.origin === LOCAL) { return; }
    const focused = document.activeElement === input;
    const start = moved(event.delta, input.selectionStart);
    const end = moved(event.delta, input.selectionEnd);
    const scroll = input.scrollTop;
    input.value = shown = text.toString();
    if (focused) { input.setSelectionRange(start, end); }
    input.scrollTop = scroll;
  });

  // --- Talking to the server -----------------------------------------------------------------------

  doc.on("update", (update, origin) => {
    keep();
    if (origin === REMOTE) { return; }
    savedMessage = SAVED;
    pending.push(update);
    if (!joined) {
      say("Offline. What you type is kept here and merges with everyone's when you reconnect.");
      return;
    }
    if (!timer) { timer = window.setTimeout(send, SEND_EVERY_MS); }
  });

  function send() {
    timer = null;
    if (sending || !joined || closed || !pending.length) { return; }
    const update = Y.mergeUpdates(pending);
    pending = [];
    sending = true;
    room.ask("notes_update", Object.assign({update: update}, where)).then((answer) => {
      sending = false;
      if (answer.ok) {
        retryMs = FIRST_RETRY_MS;
        if (pending.length) { timer = window.setTimeout(send, SEND_EVERY_MS); } else { say(savedMessage); }
        return;
      }
      pending.unshift(update);  // merging is idempotent: sending it again is always safe
      if (answer.timeout) {
        say("Offline. What you type is kept here and merges with everyone's when you reconnect.");
      } else {
        say("Not saved yet: " + answer.error);
      }
      // Waits longer after each refusal (a rate limit, a full document) until one goes through.
      if (!closed) { timer = window.setTimeout(send, retryMs); }
      retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    });
  }

  function sync(wasOffline) {
    say(wasOffline ? "Reconnected. Merging the notes…" : "Loading the notes…");
    room.ask("notes_sync", Object.assign({state_vector: Y.encodeStateVector(doc)}, where))
      .then((answer) => {
        if (!answer.ok) {
          joined = false;
          say("The notes couldn't be loaded: " + answer.error);
          return;
        }
        Y.applyUpdate(doc, new Uint8Array(answer.update), REMOTE);
        // Everything this page has that the server lacks, offline typing included, in one go
        // (an update of two bytes is Yjs's empty one).
        const missing = Y.encodeStateAsUpdate(doc, new Uint8Array(answer.state_vector));
        pending = missing.length > 2 ? [missing] : [];
        joined = true;
        input.disabled = false;
        input.readOnly = closed;
        if (closed) {
          say("The session has ended. The notes are kept in its record.");
          return;
        }
        savedMessage = wasOffline ? MERGED : SAVED;
        say(wasOffline ? MERGED : "The notes are up to date.");
        if (wasOffline) { room.announce(MERGED); }
        send();
      });
  }

  restore();
  input.value = shown = text.toString();

  let everJoined = false;
  room.onJoined((snapshot) => {
    closed = snapshot.state === "ended";
    const wasOffline = everJoined;
    everJoined = true;
    sync(wasOffline);
  });
  if (window.workspaceSocket) {
    window.workspaceSocket.on("disconnect", () => {
      joined = false;
      say("Offline. What you type is kept here and merges with everyone's when you reconnect.");
    });
  }
  room.on("notes_updated", (data) => {
    if ((data.group_id === undefined ? null : data.group_id) !== groupId) { return; }
    const update = new Uint8Array(data.update);
    if (composing) { heldWhileComposing.push(update); } else { Y.applyUpdate(doc, update, REMOTE); }
  });
  room.on("room_changed", (state) => {
    if (state.state !== "ended" || closed) { return; }
    closed = true;
    input.readOnly = true;
    say("The session has ended. The notes are kept in its record.");
  });
  return {sync: (wasOffline) => { everJoined = true; sync(wasOffline); }};
}

const room = window.workspaceRoom;
if (room) {
  document.querySelectorAll("[data-notes]").forEach((panel) => bindNotes(room, panel));
  // Breakout groups' notes panels appear when groups start: room.js binds each once, and a
  // panel made while the page is in the room loads its notes at once.
  room.bindNotes = (panel) => {
    const binding = bindNotes(room, panel);
    if (room.isInRoom()) { binding.sync(false); }
  };
}
