// The reason box of a pre-filled figure appears only once the figure differs from what Kesu computed
// (a figure left as pre-filled needs no reason). Without script the server still asks for it on save.
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-computed]")) {
    const box = document.getElementById(input.dataset.reason);
    if (!box) continue;
    const toggle = () => {
      const value = input.value.trim();
      const changed = value !== "" && value !== input.dataset.computed;
      if (changed || box.querySelector("input").value.trim()) box.hidden = false;
      else box.hidden = true;
    };
    input.addEventListener("input", toggle);
  }
});
