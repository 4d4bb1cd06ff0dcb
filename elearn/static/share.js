// Comfort on the sharing pages; everything works without it (print from the browser's menu, the
// certificate picture downloads as an SVG).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // The certificate: the SVG drawn by the server becomes a PNG on the phone (galleries and Zalo
  // take photos, not SVG), saved by "Lưu ảnh" or sent by "Chia sẻ" where the browser can share files.
  var picture = document.querySelector("[data-certificate-picture]");
  if (!picture || !window.HTMLCanvasElement) { return; }
  var save = document.querySelector("[data-save-picture]");
  var share = document.querySelector("[data-share-picture]");
  var name = picture.getAttribute("data-file-name") || "chung-nhan.png";
  var pending = null;

  function png() {
    if (pending) { return pending; }
    pending = new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = 1080;
        canvas.height = 1350;
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) { return blob ? resolve(blob) : reject(new Error("no PNG")); }, "image/png");
      };
      image.onerror = function () { reject(new Error("no picture")); };
      image.src = picture.getAttribute("href");
    });
    pending.catch(function () { pending = null; });
    return pending;
  }

  if (save) {
    save.addEventListener("click", function (event) {
      event.preventDefault();
      png().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = name;
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      }, function () { window.location.href = picture.getAttribute("href"); });
    });
  }
  if (share && navigator.share && navigator.canShare && window.File) {
    var probe = new File([new Blob([""], { type: "image/png" })], name, { type: "image/png" });
    if (navigator.canShare({ files: [probe] })) {
      share.hidden = false;
      share.addEventListener("click", function () {
        png().then(function (blob) {
          var file = new File([blob], name, { type: "image/png" });
          return navigator.share({ files: [file], title: share.getAttribute("data-title") || "" });
        }).catch(function () { /* closed by the person, or nothing to share with */ });
      });
    }
  }
}());
