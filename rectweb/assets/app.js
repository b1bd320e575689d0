// rectweb: a little plain JavaScript. The pages work without it; with it,
// an upload shows its progress. Nothing is fetched from anywhere else.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var forms = document.querySelectorAll("form[data-progress]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      e.preventDefault();
      var bar = form.querySelector("progress"), button = form.querySelector("button");
      if (bar) bar.hidden = false;
      if (button) button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (ev) {
        if (bar && ev.lengthComputable) bar.value = Math.round(100 * ev.loaded / ev.total);
      };
      xhr.onload = function () {
        if (xhr.status < 400 && xhr.responseURL) { window.location.href = xhr.responseURL; return; }
        document.open(); document.write(xhr.responseText); document.close();
      };
      xhr.onerror = function () {
        if (button) button.disabled = false;
        alert("上传失败：网络中断，请重试。");
      };
      xhr.send(new FormData(form));
    });
  });
});
