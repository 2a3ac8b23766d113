// Library uploads: each chosen or dropped file is sent alone as it is picked, with its own
// progress bar and its own message if refused; the form then sends only the tokens the server
// gave back. Without this script the form posts the files themselves and works the same (a
// dropped file then lands in the input, as the browser does by itself).
(function () {
  "use strict";

  var form = document.querySelector("[data-upload-form]");
  if (!form) { return; }
  var input = form.querySelector("[data-upload-input]");
  var list = form.querySelector("[data-upload-list]");
  var status = form.querySelector("[data-upload-status]");
  if (!input || !list || !window.XMLHttpRequest) { return; }

  var single = input.hasAttribute("data-upload-single");
  var limit = parseInt(input.dataset.uploadLimit, 10);
  var limitText = input.dataset.uploadLimitText;
  var csrf = form.querySelector('input[name="csrf_token"]');
  var busy = 0;
  var counter = list.children.length;

  function say(message) {
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function sizeText(bytes) {
    if (bytes >= 1024 * 1024) { return (bytes / (1024 * 1024)).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return Math.round(bytes / 1024) + " KB"; }
    return bytes + " bytes";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function refuse(row, message) {
    row.className = "workspace-upload workspace-upload--refused";
    var progress = row.querySelector("progress");
    if (progress) { progress.remove(); }
    row.appendChild(el("span", {"class": "usa-error-message"}, message));
    var remove = el("button", {"type": "button", "class": "usa-button usa-button--unstyled"},
                    "Dismiss");
    remove.addEventListener("click", function () { row.remove(); input.focus(); });
    row.appendChild(remove);
    say(message);
  }

  function accepted(row, file, answer) {
    row.className = "workspace-upload workspace-upload--done";
    row.textContent = "";
    counter += 1;
    row.appendChild(el("input", {"type": "hidden", "name": "upload", "value": answer.token}));
    if (single) {
      row.appendChild(document.createTextNode(answer.filename + " (" + answer.size +
                                              ") is uploaded."));
    } else {
      var id = "upload-title-" + counter;
      row.appendChild(el("label", {"class": "usa-label", "for": id},
                         "Title for " + answer.filename + " (" + answer.size + ")"));
      var title = el("input", {"class": "usa-input", "id": id, "name": "upload_title",
                               "maxlength": "200"});
      title.value = answer.title;
      row.appendChild(title);
    }
    var remove = el("button", {"type": "button", "class": "usa-button usa-button--unstyled"},
                    "Remove " + answer.filename);
    remove.addEventListener("click", function () {
      row.remove();
      say(answer.filename + " will not be added.");
      input.focus();
    });
    row.appendChild(remove);
    say(answer.filename + " is uploaded.");
  }

  function send(file) {
    var row = el("li", {"class": "workspace-upload"});
    row.appendChild(el("span", {"class": "workspace-upload__name"},
                       file.name + " (" + sizeText(file.size) + ")"));
    list.appendChild(row);
    if (file.size > limit) {
      refuse(row, "“" + file.name + "” is " + sizeText(file.size) + "; the limit is " +
             limitText + ".");
      return;
    }
    if (file.size === 0) {
      refuse(row, "“" + file.name + "” is empty.");
      return;
    }
    var progress = el("progress", {"max": "100", "value": "0",
                                   "aria-label": "Uploading " + file.name});
    row.appendChild(progress);
    busy += 1;
    var request = new XMLHttpRequest();
    request.open("POST", input.dataset.uploadUrl + "?name=" + encodeURIComponent(file.name));
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("Content-Type", "application/octet-stream");
    if (csrf) { request.setRequestHeader("X-CSRFToken", csrf.value); }
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        progress.value = Math.round(100 * event.loaded / event.total);
      }
    });
    request.addEventListener("load", function () {
      busy -= 1;
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = {}; }
      if (request.status === 201 && answer.token) {
        accepted(row, file, answer);
      } else {
        refuse(row, answer.error || ("“" + file.name + "” could not be uploaded (" +
                                     request.status + "). Try again."));
      }
    });
    request.addEventListener("error", function () {
      busy -= 1;
      refuse(row, "“" + file.name + "” could not be uploaded: the connection failed. " +
             "Try again.");
    });
    request.send(file);
  }

  function take(fileList) {
    var files = Array.prototype.slice.call(fileList || []);
    if (!files.length) { return; }
    if (single) {
      list.textContent = "";
      files = files.slice(0, 1);
    }
    say(files.length === 1 ? "Uploading " + files[0].name + "." :
        "Uploading " + files.length + " files.");
    files.forEach(send);
  }

  // Caught on the way down, before the input's own listeners: USWDS's file input would list
  // the chosen files a second time (and announce them), beside the list this script keeps.
  form.addEventListener("change", function (event) {
    if (event.target !== input) { return; }
    event.stopPropagation();
    take(input.files);
    // The files go up on their own: the form must not send them again.
    input.value = "";
  }, true);

  // Files dropped anywhere on the field (USWDS's drop target, its label, its hint) go up the
  // same way; the browser must not also put them in the input for the form to send.
  var zone = input.closest(".usa-form-group") || form;
  zone.addEventListener("dragover", function (event) {
    if (!event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types || [],
                                                            "Files") < 0) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("drop", function (event) {
    if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
    event.preventDefault();
    take(event.dataTransfer.files);
  });

  form.addEventListener("submit", function (event) {
    if (busy > 0) {
      event.preventDefault();
      event.stopImmediatePropagation();
      say("Wait until every file has finished uploading, then send the form.");
    }
  }, true);

  // Files or a link: show only the part the person chose.
  var sources = form.querySelectorAll('input[name="source"]');
  function showSource() {
    var chosen = form.querySelector('input[name="source"]:checked');
    form.querySelectorAll("[data-source]").forEach(function (part) {
      part.hidden = chosen ? part.dataset.source !== chosen.value : false;
    });
  }
  sources.forEach(function (radio) { radio.addEventListener("change", showSource); });
  showSource();
})();
