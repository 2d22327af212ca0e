// The prompt box and its options: turns the inputs into a request body, shows the API's errors next
// to the field they blame, and can be filled from a stored image's settings.

const numberFields = [
  { name: 'seed', integer: true, what: 'a whole number' },
  { name: 'steps', integer: true, what: 'a whole number' },
  { name: 'guidance_scale', integer: false, what: 'a number' },
];

export class GenerateForm {
  constructor(form) {
    this.form = form;
    this.prompt = form.elements.prompt;
    this.error = document.getElementById('form-error');
    this.options = document.getElementById('options');
    this.submitButton = document.getElementById('generate-button');
    form.addEventListener('input', (e) => {
      if (e.target.getAttribute('aria-invalid')) e.target.removeAttribute('aria-invalid');
    });
  }

  /** Fills the option lists and limits from the served model (GET /v1/models). */
  describeModel(model) {
    const fill = (select, values) => {
      for (const value of values) select.append(new Option(value, value));
    };
    fill(this.form.elements.scheduler, model.schedulers ?? []);
    fill(this.form.elements.size, model.sizes ?? []);
    const steps = this.form.elements.steps;
    if (model.max_steps) steps.max = model.max_steps;
    if (model.default_steps) steps.placeholder = `default ${model.default_steps}`;
    if (model.schedulers?.length) this.form.elements.scheduler.options[0].text = `default (${model.schedulers[0]})`;
    if (model.sizes?.length) this.form.elements.size.options[0].text = `default (${model.sizes[0]})`;
  }

  /** The request body, or throws a field-specific error for input the browser could not parse. */
  body() {
    const e = this.form.elements;
    const body = { prompt: e.prompt.value.trim(), response_format: 'url', cache: e.cache.value, expand_prompt: e.expand_prompt.checked };
    if (body.prompt === '') throw Object.assign(new Error('Write a prompt first.'), { param: 'prompt' });
    const negative = e.negative_prompt.value.trim();
    if (negative) body.negative_prompt = negative;
    for (const { name, integer, what } of numberFields) {
      const input = e[name];
      if (input.validity.badInput) throw Object.assign(new Error(`${labelOf(input)} must be ${what}.`), { param: name });
      if (input.value === '') continue;
      const value = Number(input.value);
      if (integer && !Number.isInteger(value)) throw Object.assign(new Error(`${labelOf(input)} must be ${what}.`), { param: name });
      body[name] = value;
    }
    if (e.scheduler.value) body.scheduler = e.scheduler.value;
    if (e.size.value) body.size = e.size.value;
    return body;
  }

  /** Puts a stored image's settings into the form (the prompt is the one the user wrote). */
  fill(item) {
    const e = this.form.elements;
    e.prompt.value = item.prompt ?? '';
    e.negative_prompt.value = item.negative_prompt ?? '';
    e.seed.value = item.seed ?? '';
    e.steps.value = item.steps ?? '';
    e.guidance_scale.value = item.guidance_scale ?? '';
    setSelect(e.scheduler, item.scheduler);
    setSelect(e.size, item.size);
    setSelect(e.cache, item.cache_mode ?? 'auto');
    e.expand_prompt.checked = Boolean(item.expand_prompt);
    this.clearError();
  }

  /** Shows an error next to the prompt box and marks the input it names, if any. */
  showError(error) {
    this.clearError();
    let text = error.message;
    if (error.status === 429 && error.retryAfter) text += ` Try again in ${error.retryAfter} s.`;
    this.error.textContent = text;
    this.error.hidden = false;
    const input = error.param ? this.form.elements[error.param] : null;
    if (input instanceof HTMLElement) {
      input.setAttribute('aria-invalid', 'true');
      if (this.options.contains(input)) this.options.open = true;
      input.focus();
    }
  }

  clearError() {
    this.error.hidden = true;
    this.error.textContent = '';
    for (const input of this.form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  }

  setBusy(busy) {
    this.submitButton.disabled = busy;
    this.submitButton.textContent = busy ? 'Submitting…' : 'Generate';
  }
}

function labelOf(input) {
  return input.labels?.[0]?.textContent?.trim() ?? input.name;
}

function setSelect(select, value) {
  if (value == null || value === '') { select.selectedIndex = 0; return; }
  if (![...select.options].some((o) => o.value === value)) select.append(new Option(value, value));
  select.value = value;
}
