// The copy button beside a generated password: copies the field it names, says so, and
// selects the text where the clipboard is not available (the person copies by hand).
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
  });
}
