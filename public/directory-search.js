// Searches the user directory as the person types. Progressive enhancement of the /users
// search form: without this script the form is a plain GET form and works the same.
// Debounced; a newer search aborts the one in flight, and an answer is shown only if it
// belongs to the latest search, so a slow, older response never replaces a newer one.
const form = document.querySelector('form.directory-search');
const results = document.getElementById('directory-results');
if (form && results) {
  const input = form.querySelector('input[name="q"]');
  let timer;
  let latest = 0;
  let inFlight;
  const search = async () => {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (value !== '') params.set(name, value);
    }
    const url = params.size ? `/users?${params}` : '/users';
    const ticket = ++latest;
    inFlight?.abort();
    inFlight = new AbortController();
    results.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(url, { signal: inFlight.signal, headers: { accept: 'text/html' } });
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = page.getElementById('directory-results');
      if (ticket !== latest || !fresh) return;
      results.replaceChildren(...fresh.childNodes);
      history.replaceState(null, '', url);
    } catch (error) {
      if (error.name !== 'AbortError') console.warn('directory search failed', error);
    } finally {
      if (ticket === latest) results.removeAttribute('aria-busy');
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  for (const select of form.querySelectorAll('select')) select.addEventListener('change', search);
}
