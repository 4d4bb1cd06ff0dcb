/* Comfort on forms; every form works without it (elearn/templates/macros.html, issue 9).
   - "Hiện mật khẩu": a check box that shows the password boxes as text while ticked.
   - A birth date in three boxes: says back the date understood, in words, while typing.
   - The guardian's consent: hidden once the birth date typed shows a person aged 16 or more. */
(function () {
  "use strict";

  function showPasswords(box) {
    var boxes = box.getAttribute("data-targets").split(" ").map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);
    var toggle = box.querySelector("input[type=checkbox]");
    if (!boxes.length || !toggle) return;
    box.hidden = false;
    toggle.checked = false;
    toggle.addEventListener("change", function () {
      boxes.forEach(function (input) { input.type = toggle.checked ? "text" : "password"; });
    });
    // Sent as a password field, so the phone offers to save it and keeps no text history of it.
    if (toggle.form) toggle.form.addEventListener("submit", function () {
      boxes.forEach(function (input) { input.type = "password"; });
    });
  }

  // The three boxes as a date, only when plainly written (digits, a four-digit year); else null.
  // The server reads many more ways (elearn/training/dates.py) and says so when the page comes back.
  function typedDate(group) {
    var parts = ["day", "month", "year"].map(function (part) {
      var input = document.getElementById(group.id + "-" + part);
      return input ? input.value.trim() : "";
    });
    if (!/^\d{1,2}$/.test(parts[0]) || !/^\d{1,2}$/.test(parts[1]) || !/^\d{4}$/.test(parts[2])) return null;
    var day = +parts[0], month = +parts[1], year = +parts[2];
    var when = new Date(year, month - 1, day);
    if (year < 1900 || when.getFullYear() !== year || when.getMonth() !== month - 1 || when.getDate() !== day) {
      return null;
    }
    return {day: day, month: month, year: year};
  }

  function ageOn(born, today) {
    var years = today.year - born.year;
    var before = today.month < born.month || (today.month === born.month && today.day < born.day);
    return before ? years - 1 : years;
  }

  function watchDate(group) {
    var said = document.getElementById(group.id + "-understood");
    var template = group.getAttribute("data-understood");
    var guardians = document.querySelectorAll("[data-guardian][data-date='" + group.id + "']");
    function update(typing) {
      var born = typedDate(group);
      if (said && template && typing) {
        said.textContent = born ? template.replace("{day}", born.day).replace("{month}", born.month)
          .replace("{year}", born.year) : "";
      }
      Array.prototype.forEach.call(guardians, function (box) {
        var today = box.getAttribute("data-today").split("-").map(Number);
        var old = born && ageOn(born, {year: today[0], month: today[1], day: today[2]}) >=
          Number(box.getAttribute("data-below"));
        // Shown while the age is unknown or under the limit; a box with a message stays.
        box.hidden = Boolean(old) && !box.querySelector(".error");
      });
    }
    group.addEventListener("input", function () { update(true); });
    update(false);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".show-password[data-targets]"), showPasswords);
    Array.prototype.forEach.call(document.querySelectorAll("fieldset.date"), watchDate);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
