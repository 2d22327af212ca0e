// The served model's world beside the prompt box, for a closed-vocabulary model only (GET /v1/models
// lists its vocabulary; a Stable Diffusion export lists none and nothing here appears): example prompts,
// word suggestions while typing, and a warning before generating a prompt with words it does not know.

import { api } from '../api.js';
import { el } from '../format.js';

const maxSuggestions = 8;

export class VocabularyHelp {
  constructor({ prompt, panel, examples, suggestions, warning, details, submitButton }) {
    Object.assign(this, { prompt, panel, examples, suggestions, warning, details, submitButton });
    this.words = [];
    this.warnedPrompt = null;
    prompt.addEventListener('input', () => { this.#suggest(); this.#clearWarning(); });
    prompt.addEventListener('click', () => this.#suggest());
  }

  get active() { return this.words.length > 0; }

  /** Shows the model's world; does nothing for a model without a vocabulary. */
  describe(vocabulary) {
    if (!vocabulary) return;
    const objectWords = vocabulary.objects.flatMap((o) => [o.name, o.plural]);
    this.words = [...new Set([...objectWords, ...vocabulary.colours.map((c) => c.name), ...vocabulary.textures,
      ...vocabulary.sizes.map((s) => s.name)])].sort((a, b) => a.length - b.length || a.localeCompare(b));   // shortest completions first
    if (vocabulary.examples?.length) this.prompt.placeholder = vocabulary.examples[0];
    this.examples.replaceChildren(el('span', { class: 'muted' }, 'Try:'),
      ...(vocabulary.examples ?? []).map((example) => {
        const chip = el('button', { type: 'button', class: 'chip' }, example);
        chip.onclick = () => { this.prompt.value = example; this.#clearWarning(); this.suggestions.replaceChildren(); this.prompt.focus(); };
        return chip;
      }));
    const list = (title, items) => el('p', {}, el('strong', {}, `${title}: `), items.join(', '));
    this.details.querySelector('.vocabulary-lists').replaceChildren(
      list(`${vocabulary.objects.length} objects`, vocabulary.objects.map((o) => `${o.emoji} ${o.name}`)),
      list(`${vocabulary.colours.length} colours`, vocabulary.colours.map((c) => c.name)),
      list('Textures', vocabulary.textures),
      list('Sizes', vocabulary.sizes.map((s) => `${s.name} (${s.pixels} px of ${vocabulary.image_size})`)),
      list('Places', vocabulary.positions.map((p) => p.phrase)),
      list('Relations', vocabulary.relations.map((r) => r.phrase)));
    this.panel.hidden = false;
  }

  /**
   * Resolves true when the prompt may be generated: it has no unknown words, the user was already
   * warned about this very prompt, or the check itself failed (a warning must never block work).
   */
  async confirm(prompt) {
    if (!this.active || prompt === this.warnedPrompt) { this.#clearWarning(); return true; }
    let check;
    try {
      check = await api.checkPrompt(prompt);
    } catch (error) {
      console.warn('the prompt check failed; generating anyway', error);
      return true;
    }
    if (!check.warning) return true;
    this.warnedPrompt = prompt;
    this.warning.textContent = `${check.warning} Press Generate again to generate it anyway.`;
    this.warning.hidden = false;
    this.submitButton.textContent = 'Generate anyway';
    return false;
  }

  #clearWarning() {
    if (this.warning.hidden) return;
    this.warning.hidden = true;
    this.warning.textContent = '';
    this.warnedPrompt = null;
    this.submitButton.textContent = 'Generate';
  }

  // Vocabulary words that complete the word being typed; a click puts one in its place.
  #suggest() {
    if (!this.active) return;
    const caret = this.prompt.selectionStart ?? this.prompt.value.length;
    const prefix = /\p{L}+$/u.exec(this.prompt.value.slice(0, caret))?.[0]?.toLowerCase() ?? '';
    const matches = prefix.length < 2 ? [] : this.words.filter((w) => w.startsWith(prefix) && w !== prefix).slice(0, maxSuggestions);
    this.suggestions.replaceChildren(...matches.map((word) => {
      const chip = el('button', { type: 'button', class: 'chip' }, word);
      chip.onclick = () => {
        const value = this.prompt.value;
        const start = caret - prefix.length;
        const rest = value.slice(caret).replace(/^\p{L}*/u, '');
        this.prompt.value = `${value.slice(0, start)}${word}${rest.startsWith(' ') ? '' : ' '}${rest}`;
        const at = start + word.length + 1;
        this.prompt.focus();
        this.prompt.setSelectionRange(at, at);
        this.suggestions.replaceChildren();
        this.#clearWarning();
      };
      return chip;
    }));
  }
}
