// The editor every writing form shares (templates/_macros/editor.html): drafts that save
// themselves to the server and to this browser, an offer to bring back text the browser kept,
// the preview, @mention suggestions, images put into the text, and the form's one-time value. It
// reads what to do from the editor's data attributes; every form also works without this file.
(function () {
  "use strict";

  var userId = document.body.dataset.userId || "visitor";
  var announce = window.workspaceAnnounce || function () {};
  var postJSON = window.workspacePostJSON;
  var STORE_PREFIX = "workspace-editor:" + userId + ":";

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

  // A copy whose text now appears on this page was sent successfully: forget it. Whatever a
  // feature shows of what this person wrote carries the one-time value of the form that made
  // it, as data-post-nonce.
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
    var titleInput = editor.dataset.titleInput
      ? document.getElementById(editor.dataset.titleInput) : null;
    var nonceInput = editor.querySelector("[data-editor-nonce]");
    var status = editor.querySelector("[data-draft-status]");
    var draftUrl = editor.dataset.draftUrl;
    var draftKind = editor.dataset.draftKind;
    var draftTarget = editor.dataset.draftTarget;
    var backupKey = draftKind ? draftKind + ":" + draftTarget
      : "edit:" + window.location.pathname;
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
      if (!textarea.value.trim() && draftKind) {
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
      postJSON(draftUrl, {kind: draftKind, target: draftTarget,
                          title: titleInput ? titleInput.value : "", body: textarea.value}, form)
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
    setupImages(editor, form, textarea);
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
          // The server rendered it with the same sanitizer as saved text uses.
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

  // --- Images: uploaded in place or chosen from the library, described, then written in --------
  // An image goes into the text as ![description](address) where the cursor was. Its
  // description is asked for every time: an empty one only when the writer says the image is
  // decorative.

  var IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

  // Markdown's image syntax ends at "]": brackets and backslashes in a description are escaped,
  // and it stays on one line.
  function markdownImage(description, url) {
    var text = description.replace(/\s+/g, " ").trim().replace(/([\\\[\]])/g, "\\$1");
    return "![" + text + "](" + url + ")";
  }

  function setupImages(editor, form, textarea) {
    var box = editor.querySelector("[data-editor-images]");
    if (!box) { return; }
    var offNote = editor.querySelector("[data-images-off]");
    if (offNote) { offNote.hidden = true; }
    box.hidden = false;
    var chooseButton = box.querySelector("[data-image-choose]");
    var fileInput = box.querySelector("[data-image-file]");
    var progressBox = box.querySelector("[data-image-progress]");
    var progressLabel = box.querySelector("[data-image-progress-label]");
    var progress = progressBox.querySelector("progress");
    var errorLine = box.querySelector("[data-image-error]");
    var status = box.querySelector("[data-image-status]");
    var panel = box.querySelector("[data-image-alt]");
    var nameLine = panel.querySelector("[data-image-name]");
    var preview = panel.querySelector("[data-image-preview]");
    var altGroup = panel.querySelector("[data-alt-group]");
    var altInput = panel.querySelector("[data-alt-input]");
    var altError = panel.querySelector("[data-alt-error]");
    var decorative = panel.querySelector("[data-alt-decorative]");
    var csrf = form.querySelector('input[name="csrf_token"]');
    var cursor = {start: textarea.value.length, end: textarea.value.length};
    var pending = null;  // {url, name} waiting for its description
    var uploading = null;

    function say(message) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }

    function showError(message) {
      errorLine.textContent = message;
      errorLine.hidden = !message;
      if (message) { say(message); }
    }

    function keepCursor() {
      cursor = {start: textarea.selectionStart, end: textarea.selectionEnd};
    }
    textarea.addEventListener("blur", keepCursor);

    function clearAltError() {
      altError.hidden = true;
      altError.textContent = "";
      altGroup.classList.remove("usa-form-group--error");
      altInput.removeAttribute("aria-invalid");
      altInput.setAttribute("aria-describedby", altInput.id + "-hint");
    }

    function askForDescription(image) {
      pending = image;
      showError("");
      clearAltError();
      nameLine.textContent = image.name ? "(" + image.name + ")" : "";
      preview.src = image.thumbnail || image.url;
      altInput.value = "";
      altInput.disabled = false;
      decorative.checked = false;
      panel.hidden = false;
      altInput.focus();
      say("Describe the image, then choose Insert the image.");
    }

    function closePanel() {
      pending = null;
      panel.hidden = true;
      preview.removeAttribute("src");
    }

    function insert() {
      if (!pending) { return; }
      var description = altInput.value.trim();
      if (!description && !decorative.checked) {
        altError.textContent = "Describe the image for people who can't see it, or tick " +
          "\u201cIt is decorative\u201d if it adds nothing a reader would miss.";
        altError.hidden = false;
        altGroup.classList.add("usa-form-group--error");
        altInput.setAttribute("aria-invalid", "true");
        altInput.setAttribute("aria-describedby", altInput.id + "-hint " + altError.id);
        altInput.focus();
        say(altError.textContent);
        return;
      }
      var text = markdownImage(decorative.checked ? "" : description, pending.url);
      var value = textarea.value;
      var start = Math.min(cursor.start, value.length);
      var end = Math.min(Math.max(cursor.end, start), value.length);
      textarea.value = value.slice(0, start) + text + value.slice(end);
      var caret = start + text.length;
      closePanel();
      textarea.focus();
      textarea.setSelectionRange(caret, caret);
      cursor = {start: caret, end: caret};
      textarea.dispatchEvent(new Event("input"));
      say("Image inserted into the text.");
    }

    panel.querySelector("[data-alt-insert]").addEventListener("click", insert);
    panel.querySelector("[data-alt-cancel]").addEventListener("click", function () {
      closePanel();
      textarea.focus();
      textarea.setSelectionRange(cursor.start, cursor.end);
      say("No image inserted.");
    });
    altInput.addEventListener("keydown", function (event) {
      // Enter here means "insert", not "send the whole form".
      if (event.key === "Enter") { event.preventDefault(); insert(); }
    });
    altInput.addEventListener("input", clearAltError);
    decorative.addEventListener("change", function () {
      altInput.disabled = decorative.checked;
      clearAltError();
    });

    // Uploading, with a progress bar.
    chooseButton.addEventListener("click", function () {
      if (uploading) { say("An image is still uploading."); return; }
      fileInput.click();
    });
    fileInput.addEventListener("change", function () {
      var file = fileInput.files && fileInput.files[0];
      fileInput.value = "";
      if (!file) { return; }
      if (IMAGE_TYPES.indexOf(file.type) < 0) {
        showError("\u201c" + file.name + "\u201d isn't an image a post can show. Choose a PNG, " +
                  "JPEG, GIF or WebP image.");
        chooseButton.focus();
        return;
      }
      upload(file);
    });

    function upload(file) {
      closePanel();
      showError("");
      progress.value = 0;
      progressLabel.textContent = "Uploading " + file.name;
      progressBox.hidden = false;
      say("Uploading " + file.name + ".");
      var request = uploading = new XMLHttpRequest();
      request.open("POST", box.dataset.uploadUrl + "?name=" + encodeURIComponent(file.name));
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("Content-Type", "application/octet-stream");
      if (csrf) { request.setRequestHeader("X-CSRFToken", csrf.value); }
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          progress.value = Math.round(100 * event.loaded / event.total);
        }
      });
      function done(message) {
        uploading = null;
        progressBox.hidden = true;
        if (message) {
          showError(message);
          chooseButton.focus();
        }
      }
      request.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = {}; }
        if (request.status === 201 && answer.url) {
          done("");
          askForDescription({url: answer.url, name: answer.filename});
        } else {
          done(answer.error || ("\u201c" + file.name + "\u201d could not be uploaded (" +
                                request.status + "). Try again."));
        }
      });
      request.addEventListener("error", function () {
        done("\u201c" + file.name + "\u201d could not be uploaded: the connection failed. " +
             "Try again.");
      });
      request.send(file);
    }

    form.addEventListener("submit", function (event) {
      if (uploading) {
        event.preventDefault();
        event.stopImmediatePropagation();
        showError("Wait until the image has finished uploading, then send the form.");
      }
    }, true);

    setupLibrary(box, askForDescription, say);
  }

  // The library's images in a USWDS modal (it traps focus, closes on Escape and gives focus
  // back to its opener). The list is fetched when the editor starts, so it is in place before
  // the dialog opens: the focus trap counts the buttons there when it opens.
  function setupLibrary(box, chosen, say) {
    var url = box.dataset.libraryUrl;
    var modal = url ? document.getElementById(box.dataset.libraryDialog) : null;
    var opener = box.querySelector("[data-library-opener]");
    if (!modal || !opener) { return; }
    // USWDS moves the dialog into a wrapper that takes its id (now, or once the page has
    // loaded), and shows and hides that wrapper: the dialog itself is unhidden for good.
    var content = modal.matches("[data-library-modal]") ? modal
      : modal.querySelector("[data-library-modal]");
    if (content) { content.hidden = false; }
    var list = modal.querySelector("[data-library-list]");
    var status = modal.querySelector("[data-library-status]");
    var closer = modal.querySelector("[data-close-modal]");
    var loaded = false;
    var loading = false;

    function render(images) {
      list.textContent = "";
      status.textContent = images.length ? images.length +
        (images.length === 1 ? " image" : " images") + " to choose from." :
        "The library has no images everyone here can see yet. Upload one instead.";
      images.forEach(function (image, index) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "workspace-library-image";
        if (index === 0) { button.setAttribute("data-focus", ""); }  // where the dialog opens
        var picture = document.createElement("img");
        picture.src = image.thumbnail;
        picture.alt = "";
        picture.loading = "lazy";
        var title = document.createElement("span");
        title.textContent = image.title;
        button.appendChild(picture);
        button.appendChild(title);
        button.addEventListener("click", function () {
          // Closed through the dialog's own button, so USWDS puts the page back; then the
          // description is asked for (and takes focus from the opener).
          if (closer) { closer.click(); }
          chosen({url: image.url, thumbnail: image.thumbnail, name: image.title});
        });
        item.appendChild(button);
        list.appendChild(item);
      });
    }

    function load(thenFocus) {
      if (loading) { return; }
      loading = true;
      window.fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          loaded = true;
          render(data.images || []);
          var first = list.querySelector("button");
          if (thenFocus && first) { first.focus(); }
        })
        .catch(function () {
          status.textContent = "The library's images couldn't be loaded. Close this and try " +
            "again.";
        })
        .then(function () { loading = false; });
    }

    load(false);
    opener.addEventListener("click", function () {
      // Still loading, or the first try failed: the list arrives while the dialog is open.
      if (!loaded) { load(true); }
      say("The library's images are open in a dialog.");
    });
  }

  // --- Start ---------------------------------------------------------------------------------

  forgetPostedBackups();
  document.querySelectorAll("[data-editor]").forEach(setupEditor);
  // For editors a page adds later (a reply form opened under a comment, say).
  window.workspaceEditor = {setup: setupEditor};
})();
