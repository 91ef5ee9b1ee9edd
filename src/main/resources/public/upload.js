// Tesela's browser uploader (the upload page) and the copy buttons of embed codes (upload and viewer pages).
// Plain modern JavaScript, no libraries. Without JavaScript the upload page is a plain multipart form.
(() => {
  "use strict";

  document.documentElement.classList.add("js");

  // ---- copy buttons: <button data-copy="ID"> copies the value of the field with that id ---------------------------

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-copy]");
    if (button) {
      const field = document.getElementById(button.dataset.copy);
      if (field) {
        copy(field, button);
      }
    }
  });

  // A form with data-confirm="question" is sent only when the user confirms (the viewer's delete button). This
  // lives here, not in an inline onsubmit, because the pages' Content-Security-Policy runs no inline script.
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset ? event.target.dataset.confirm : null;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Clicking into a code selects all of it.
  document.addEventListener("focusin", (event) => {
    if (event.target.matches(".code-row input[readonly], .code-row textarea[readonly]")) {
      event.target.select();
    }
  });

  async function copy(field, button) {
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      }
    } catch {
      // not allowed here: fall back to selecting the text
    }
    field.focus();
    field.select();
    if (!copied) {
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
    }
    flash(button, copied ? "Copied" : "Press Ctrl+C");
  }

  function flash(button, text) {
    if (!button.dataset.label) {
      button.dataset.label = button.textContent;
    }
    button.textContent = text;
    button.classList.add("flash");
    clearTimeout(button.flashTimer);
    button.flashTimer = setTimeout(() => {
      button.textContent = button.dataset.label;
      button.classList.remove("flash");
    }, 1600);
  }

  // ---- the uploader -----------------------------------------------------------------------------------------------

  const form = document.getElementById("upload-form");
  if (!form) {
    return;
  }
  const maxBytes = Number(form.dataset.maxBytes) || Infinity;
  const maxLabel = form.dataset.maxLabel;
  const csrfToken = form.elements.csrf_token.value;
  const input = document.getElementById("file-input");
  const dropzone = document.getElementById("dropzone");
  const queueList = document.getElementById("upload-queue");
  const template = document.getElementById("queue-item");
  const uploadButton = document.getElementById("upload-button");
  const summary = document.getElementById("upload-summary");
  const allLinks = document.getElementById("all-links");
  const allLinksText = document.getElementById("all-links-text");
  const PARALLEL = 2;

  /** @type {{id:number, file:File, li:HTMLElement, state:string, options:FormData|null, xhr:XMLHttpRequest|null, image:object|null, preview:string|null}[]} */
  const queue = [];
  let nextId = 1;

  input.required = false; // files move from the input into the queue
  input.addEventListener("change", () => {
    addFiles(Array.from(input.files));
    input.value = "";
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const waiting = queue.filter((item) => item.state === "waiting");
    if (waiting.length === 0) {
      summary.textContent = queue.length === 0 ? "Add some images first." : "Nothing left to upload. Add more images.";
      input.focus();
      return;
    }
    const options = currentOptions();
    waiting.forEach((item) => {
      item.options = options;
      setState(item, "queued", "Waiting for its turn…");
    });
    pump();
  });

  // Drag and drop: anywhere on the page, highlighted on the drop zone.
  let dragDepth = 0;
  const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files");
  document.addEventListener("dragenter", (event) => {
    if (hasFiles(event)) {
      event.preventDefault();
      dragDepth++;
      dropzone.classList.add("dragging");
    }
  });
  document.addEventListener("dragover", (event) => {
    if (hasFiles(event)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  });
  document.addEventListener("dragleave", (event) => {
    if (hasFiles(event) && --dragDepth <= 0) {
      dragDepth = 0;
      dropzone.classList.remove("dragging");
    }
  });
  document.addEventListener("drop", (event) => {
    if (hasFiles(event)) {
      event.preventDefault();
      dragDepth = 0;
      dropzone.classList.remove("dragging");
      addFiles(Array.from(event.dataTransfer.files));
    }
  });

  // The whole drop zone opens the file picker.
  dropzone.addEventListener("click", (event) => {
    if (event.target === dropzone || !event.target.closest("label, input, a, button")) {
      input.click();
    }
  });

  // Paste an image (a screenshot, a copied picture) anywhere on the page.
  document.addEventListener("paste", (event) => {
    const files = Array.from((event.clipboardData && event.clipboardData.files) || [])
        .filter((file) => file.type.startsWith("image/"));
    if (files.length === 0) {
      return; // ordinary text paste into a field
    }
    event.preventDefault();
    addFiles(files.map(renamePasted));
  });

  function renamePasted(file, index) {
    const stamp = new Date().toISOString().replace(/\..*$/, "").replace(/[-:]/g, "").replace("T", "-");
    const ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg").replace(/\W.*$/, "");
    return new File([file], `pasted-${stamp}${index ? "-" + (index + 1) : ""}.${ext}`, { type: file.type });
  }

  function currentOptions() {
    const options = new FormData();
    for (const name of ["title", "tags", "expiration"]) {
      const field = form.elements[name];
      if (field && field.value.trim() !== "") {
        options.append(name, field.value.trim());
      }
    }
    if (form.elements.nsfw && form.elements.nsfw.checked) {
      options.append("nsfw", "1");
    }
    return options;
  }

  function addFiles(files) {
    for (const file of files) {
      const item = { id: nextId++, file, li: null, state: "waiting", options: null, xhr: null, image: null, preview: null };
      item.li = render(item);
      queue.push(item);
      queueList.append(item.li);
      if (file.size > maxBytes) {
        fail(item, `This file is ${formatSize(file.size)}; the largest file you may upload here is ${maxLabel}.`);
      } else if (file.size === 0) {
        fail(item, "This file is empty.");
      } else {
        setState(item, "waiting", "Ready to upload");
      }
    }
    update();
    if (files.length > 0) {
      uploadButton.focus();
    }
  }

  function render(item) {
    const li = template.content.firstElementChild.cloneNode(true);
    li.dataset.state = "waiting";
    li.querySelector(".item-name").textContent = item.file.name || "image";
    li.querySelector(".item-size").textContent = formatSize(item.file.size);
    li.querySelector(".item-progress").setAttribute("aria-label", `Upload progress of ${item.file.name}`);
    if (item.file.type.startsWith("image/") && item.file.size <= maxBytes) {
      item.preview = URL.createObjectURL(item.file);
      const img = new Image();
      img.alt = "";
      img.className = "preview";
      img.onerror = () => img.remove();
      img.src = item.preview;
      li.querySelector(".item-thumb").replaceChildren(img);
    }
    li.querySelector(".remove").addEventListener("click", () => remove(item));
    return li;
  }

  function remove(item) {
    if (item.xhr) {
      item.state = "removed";
      item.xhr.abort();
      item.xhr = null;
    }
    item.state = "removed";
    releasePreview(item);
    item.li.remove();
    queue.splice(queue.indexOf(item), 1);
    update();
    pump();
  }

  function pump() {
    const busy = queue.filter((item) => item.state === "uploading" || item.state === "processing").length;
    queue.filter((item) => item.state === "queued").slice(0, Math.max(0, PARALLEL - busy)).forEach(send);
    update();
  }

  function send(item) {
    const data = new FormData();
    data.append("source", item.file, item.file.name || "image");
    for (const [name, value] of item.options) {
      data.append(name, value);
    }
    const xhr = new XMLHttpRequest();
    item.xhr = xhr;
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRF-Token", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && item.state === "uploading") {
        const percent = Math.floor((event.loaded / event.total) * 100);
        item.li.querySelector(".item-progress").value = percent;
        status(item, `Uploading… ${percent} %`);
      }
    });
    xhr.upload.addEventListener("load", () => {
      if (item.state === "uploading") {
        setState(item, "processing", "Processing…");
        item.li.querySelector(".item-progress").removeAttribute("value"); // indeterminate while the server works
      }
    });
    xhr.addEventListener("load", () => {
      finish(item, xhr);
      pump();
    });
    xhr.addEventListener("error", () => {
      if (item.state !== "removed") {
        fail(item, "The upload did not reach the server. Check your connection and try again.");
      }
      pump();
    });
    setState(item, "uploading", "Uploading… 0 %");
    xhr.send(data);
  }

  function finish(item, xhr) {
    item.xhr = null;
    if (item.state === "removed") {
      return;
    }
    let body = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch {
      body = null;
    }
    if (xhr.status === 200 && body && body.image) {
      succeed(item, body.image);
    } else {
      const message = body && body.error && body.error.message;
      fail(item, message || `The upload failed (HTTP ${xhr.status || "error"}). Try again later.`);
    }
  }

  function succeed(item, image) {
    item.image = image;
    setState(item, "done", `Uploaded · ${image.width}×${image.height} · ${image.size_formatted || formatSize(image.size)}`);
    const progress = item.li.querySelector(".item-progress");
    progress.value = 100;
    progress.hidden = true;

    const thumb = new Image();
    thumb.className = "thumb";
    thumb.alt = image.title || item.file.name || "Uploaded image";
    thumb.dataset.testid = "upload-thumb";
    const t = image.thumb && image.thumb.url ? image.thumb : image;
    if (t.width && t.height) {
      thumb.width = t.width;
      thumb.height = t.height;
    }
    thumb.onload = () => releasePreview(item);
    thumb.src = t.url || image.url;
    const link = document.createElement("a");
    link.href = image.url_viewer;
    link.append(thumb);
    item.li.querySelector(".item-thumb").replaceChildren(link);

    const result = item.li.querySelector(".item-result");
    result.querySelector(".viewer-link").href = image.url_viewer;
    const deleteLink = result.querySelector(".delete-link");
    if (image.delete_url) {
      deleteLink.href = image.delete_url;
    } else {
      deleteLink.parentElement.hidden = true;
    }
    result.querySelector(".codes").replaceChildren(...embedCodes(image).map(([label, code], i) => codeRow(item, i, label, code)));
    result.hidden = false;
    item.li.querySelector(".remove").textContent = "Dismiss";
    update();
  }

  /** Embed codes: the direct link, and the medium size (the full image when there is none) linked to the viewer. */
  function embedCodes(image) {
    const full = image.url;
    const viewer = image.url_viewer;
    const shown = image.medium && image.medium.url ? image.medium.url : full;
    const title = image.title || image.original_filename || "image";
    const mdTitle = title.replace(/[[\]]/g, "");
    return [
      ["Direct link", full],
      ["Viewer link", viewer],
      ["HTML", `<a href="${escapeAttr(viewer)}"><img src="${escapeAttr(shown)}" alt="${escapeAttr(title)}"></a>`],
      ["BBCode", `[url=${viewer}][img]${shown}[/img][/url]`],
      ["Markdown", `[![${mdTitle}](${shown})](${viewer})`],
    ];
  }

  function codeRow(item, index, label, code) {
    const id = `code-${item.id}-${index}`;
    const row = document.createElement("div");
    row.className = "code-row";
    const caption = document.createElement("label");
    caption.htmlFor = id;
    caption.textContent = label;
    const field = document.createElement("input");
    field.id = id;
    field.readOnly = true;
    field.value = code;
    field.dataset.embed = label;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.dataset.copy = id;
    button.textContent = "Copy";
    button.setAttribute("aria-label", `Copy ${label}`);
    row.append(caption, field, button);
    return row;
  }

  function fail(item, message) {
    item.xhr = null;
    setState(item, "error", message);
    const statusLine = item.li.querySelector(".item-status");
    statusLine.classList.remove("muted");
    statusLine.classList.add("error");
    statusLine.setAttribute("role", "alert");
    statusLine.dataset.testid = "upload-error";
    item.li.querySelector(".item-progress").hidden = true;
    item.li.querySelector(".remove").textContent = "Dismiss";
    releasePreview(item);
    update();
  }

  function setState(item, state, text) {
    item.state = state;
    item.li.dataset.state = state;
    // Once the file is sent the server may already have stored it: no cancelling then, or the delete link is lost.
    item.li.querySelector(".remove").hidden = state === "processing";
    status(item, text);
  }

  function status(item, text) {
    item.li.querySelector(".item-status").textContent = text;
  }

  function releasePreview(item) {
    if (item.preview) {
      URL.revokeObjectURL(item.preview);
      item.preview = null;
    }
  }

  function update() {
    const count = (state) => queue.filter((item) => item.state === state).length;
    const waiting = count("waiting");
    const active = count("queued") + count("uploading") + count("processing");
    const done = count("done");
    const failed = count("error");
    uploadButton.textContent = waiting > 0 ? `Upload ${waiting} ${waiting === 1 ? "image" : "images"}` : "Upload";
    const parts = [];
    if (active) parts.push(`${active} uploading`);
    if (done) parts.push(`${done} uploaded`);
    if (failed) parts.push(`${failed} failed`);
    summary.textContent = parts.join(" · ");
    const urls = queue.filter((item) => item.state === "done").map((item) => item.image.url);
    allLinks.hidden = urls.length < 2;
    allLinksText.value = urls.join("\n");
    allLinksText.rows = Math.min(Math.max(urls.length, 2), 8);
  }

  /** Binary units (1 MB = 1024 KB), as the server shows sizes ("1.5 MB", "10 MB"). */
  function formatSize(bytes) {
    if (bytes < 1024) {
      return `${bytes} B`;
    }
    const units = ["KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return `${value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
  }

  function escapeAttr(s) {
    return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
})();
