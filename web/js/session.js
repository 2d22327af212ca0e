// Signing in when the service has API keys. The page sends the key once, as a Bearer header, to
// POST /v1/session; the server answers with an HttpOnly session cookie that images, downloads and
// event streams carry too (they cannot send headers). The page never stores the key.

import { el } from './format.js';

let pending = null;

/** Asks for a key (one dialog however many requests were refused) and resolves once a session exists. */
export function signIn() {
  pending ??= showKeyDialog().finally(() => { pending = null; });
  return pending;
}

function showKeyDialog() {
  const input = el('input', { id: 'api-key', name: 'key', type: 'password', autocomplete: 'current-password', required: true });
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = el('form', { class: 'key-form' },
    el('h2', { id: 'key-title' }, 'API key'),
    el('p', {}, 'This service asks for an API key. Its operator makes one with ', el('code', {}, './run.sh keys add'), '.'),
    el('label', { for: 'api-key' }, 'Key'),
    input,
    error,
    el('div', { class: 'dialog-buttons' }, el('button', { type: 'submit', class: 'primary' }, 'Sign in')));
  const dialog = el('dialog', { class: 'key-dialog', 'aria-labelledby': 'key-title' }, form);
  // Escape would leave the page without a session and without a way back: keep the dialog until signed in.
  dialog.addEventListener('cancel', (e) => e.preventDefault());
  document.body.append(dialog);
  dialog.showModal();
  input.focus();

  return new Promise((resolve) => {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.hidden = true;
      let response;
      try {
        response = await fetch('/v1/session', { method: 'POST', headers: { Authorization: `Bearer ${input.value.trim()}` } });
      } catch (err) {
        response = null;
        error.textContent = `cannot reach the server (${err.message})`;
      }
      if (response?.ok) {
        dialog.close();
        dialog.remove();
        resolve();
        return;
      }
      if (response) error.textContent = response.status === 401 ? 'That key is not valid.' : `The server answered ${response.status}.`;
      error.hidden = false;
      input.select();
    });
  });
}
