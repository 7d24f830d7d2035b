// Kesu: nothing typed is lost, and a consequential step is confirmed first.
//
// <form data-guard>                 warn before leaving the page with unsaved changes
// <form data-autosave="URL">        post the form (without files) to URL every 30 s while it has changes;
//                                   the JSON answer carries the new version and a message for
//                                   the element [data-autosave-status]
// <form data-confirm="TEXT">        ask in a Bootstrap modal before submitting (also on a submit button)
// <button data-copy="TEXT">         copy TEXT to the clipboard
// <button data-print>               print the page (the print stylesheet keeps the content only)
(function () {
  "use strict";

  var dirty = new Set();
  var submitting = false;
  var AUTOSAVE_MS = 30000;

  function guarded(form) {
    return form && (form.hasAttribute("data-guard") || form.hasAttribute("data-autosave"));
  }

  function formOf(target) {
    if (!(target instanceof Element)) return null;
    if (target.form) return target.form; // inputs outside the form tag, joined with form="…"
    return target.closest("form");
  }

  document.addEventListener("input", function (event) {
    var form = formOf(event.target);
    if (guarded(form)) dirty.add(form);
  });
  document.addEventListener("change", function (event) {
    var form = formOf(event.target);
    if (guarded(form)) dirty.add(form);
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting || dirty.size === 0) return;
    event.preventDefault();
    event.returnValue = "您有尚未保存的修改，离开本页将丢失。";
    return event.returnValue;
  });

  // ---- autosave -------------------------------------------------------------------------------
  function status(form, text, failed) {
    var element = document.querySelector("[data-autosave-status]");
    if (!element) return;
    element.textContent = text;
    element.classList.toggle("text-danger", !!failed);
  }

  function autosave(form) {
    if (!dirty.has(form) || submitting) return;
    var data = new FormData(form);
    data.delete("file");
    data.delete("then");
    dirty.delete(form);
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (answer.saved) {
            var version = form.querySelector("input[name=version]");
            if (version) version.value = answer.version;
            status(form, answer.message, false);
          } else {
            dirty.add(form); // still unsaved: keep warning before leaving
            status(form, answer.message, true);
          }
        });
      })
      .catch(function () {
        dirty.add(form);
        status(form, "网络异常，未能自动保存；请点击“保存草稿”。", true);
      });
  }

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    window.setInterval(function () { autosave(form); }, AUTOSAVE_MS);
  });

  // ---- confirmation before a consequential step ----------------------------------------------------
  var modal = null;
  var pending = null;

  function confirmModal() {
    if (modal) return modal;
    var element = document.createElement("div");
    element.className = "modal fade";
    element.id = "kesu-confirm";
    element.tabIndex = -1;
    element.setAttribute("aria-labelledby", "kesu-confirm-title");
    element.innerHTML =
      '<div class="modal-dialog modal-dialog-centered"><div class="modal-content">' +
      '<div class="modal-header"><h2 class="modal-title fs-5" id="kesu-confirm-title">请确认</h2>' +
      '<button type="button" class="btn-close" data-bs-dismiss="modal" aria-label="关闭"></button></div>' +
      '<div class="modal-body"></div>' +
      '<div class="modal-footer"><button type="button" class="btn btn-outline-secondary" data-bs-dismiss="modal">取消</button>' +
      '<button type="button" class="btn btn-primary" data-kesu-confirmed>确定</button></div>' +
      "</div></div>";
    document.body.appendChild(element);
    element.querySelector("[data-kesu-confirmed]").addEventListener("click", function () {
      var go = pending;
      pending = null;
      window.bootstrap.Modal.getOrCreateInstance(element).hide();
      if (go) go();
    });
    modal = element;
    return modal;
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var button = event.submitter || null;
      var text = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      if (!text || form.dataset.kesuConfirmed === "1") {
        submitting = true;
        return;
      }
      event.preventDefault();
      if (!window.bootstrap) {
        if (window.confirm(text)) {
          submitting = true;
          form.dataset.kesuConfirmed = "1";
          form.requestSubmit(button || undefined);
        }
        return;
      }
      var element = confirmModal();
      element.querySelector(".modal-body").textContent = text;
      pending = function () {
        submitting = true;
        form.dataset.kesuConfirmed = "1";
        form.requestSubmit(button || undefined);
      };
      window.bootstrap.Modal.getOrCreateInstance(element).show();
    },
    true
  );

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-print]")) window.print();
  });

  // <input data-filter-options="SELECT-ID">: typing narrows a long drop-down to the matching options.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-filter-options")) return;
    var select = document.getElementById(input.getAttribute("data-filter-options"));
    if (!select) return;
    var words = input.value.trim();
    Array.from(select.options).forEach(function (option) {
      option.hidden = !!(words && option.value && option.text.indexOf(words) < 0);
    });
  });

  // ---- copy a link -----------------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () {
      var before = button.textContent;
      button.textContent = "已复制";
      window.setTimeout(function () { button.textContent = before; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  });
})();
