"""The app's CSS and the small scripts its HTML panels run in the browser.

CSS is passed as each panel's ``css_template`` (Gradio scopes it to that panel, so the styling
travels with ``build_app()`` whatever ``launch()`` is given); ``PAGE_CSS`` holds the few
page-level rules (layout of columns) given to ``launch()``. Neither may contain a backtick or
"${" because Gradio evaluates templates as JavaScript template strings.

The scripts never insert text into the page: every panel's HTML is rendered and escaped on the
server. They only turn clicks on ``[data-action]`` buttons into Gradio events carrying the
button's ``data-ref`` (an index into the panel's own list of passages, checked on the server).
"""

from __future__ import annotations

PANEL_CSS = """
.dr-message { padding: 10px 14px; border-radius: 6px; background: var(--background-fill-secondary); }
.dr-error { border-left: 4px solid var(--color-red-500, #ef4444); }
.dr-hint { color: var(--body-text-color-subdued); padding: 8px 2px; }
.dr-summary { color: var(--body-text-color-subdued); font-size: 0.92em; margin: 2px 0 10px; }
.dr-turn { margin: 0 0 22px; }
.dr-question {
    margin: 0 0 8px auto; max-width: 85%; width: fit-content; padding: 8px 14px;
    border-radius: 14px 14px 2px 14px; background: var(--color-accent-soft); white-space: pre-wrap;
}
.dr-answer, .dr-declined {
    padding: 12px 16px; border-radius: 6px; line-height: 1.65;
    background: var(--background-fill-secondary); white-space: pre-wrap;
}
.dr-answer { border-left: 4px solid var(--color-accent); }
.dr-declined { border-left: 4px solid var(--color-yellow-500, #eab308); }
.dr-pending { color: var(--body-text-color-subdued); font-style: italic; }
.dr-note { font-size: 0.88em; color: var(--body-text-color-subdued); margin: 4px 2px 0; }
.dr-marker {
    font: inherit; font-weight: 700; color: var(--color-accent); background: none; border: none;
    padding: 0 1px; cursor: pointer; text-decoration: underline dotted;
}
.dr-subhead { font-weight: 600; margin: 12px 0 4px; font-size: 0.95em; }
.dr-cards { list-style: none; padding: 0; margin: 0; }
.dr-card {
    border: 1px solid var(--border-color-primary); border-radius: 8px;
    padding: 10px 14px; margin: 8px 0; scroll-margin-top: 16px;
}
.dr-card.dr-highlighted { outline: 2px solid var(--color-accent); }
.dr-label { font-weight: 700; margin-right: 6px; }
.dr-title { font-weight: 400; }
.dr-meta { color: var(--body-text-color-subdued); font-size: 0.9em; margin-top: 2px; }
.dr-score { color: var(--body-text-color-subdued); font-size: 0.85em; }
.dr-quote, .dr-passage { white-space: pre-wrap; margin: 8px 0 0; }
.dr-quote { border-left: 3px solid var(--color-accent); padding-left: 10px; }
.dr-actions { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 8px; }
.dr-button {
    font: inherit; font-size: 0.85em; padding: 3px 10px; border-radius: 6px; cursor: pointer;
    border: 1px solid var(--border-color-primary); background: var(--button-secondary-background-fill);
    color: var(--button-secondary-text-color);
}
.dr-button:hover { border-color: var(--color-accent); }
.dr-button:disabled { opacity: 0.6; cursor: default; }
.dr-group { border-top: 2px solid var(--border-color-primary); padding-top: 8px; margin-top: 14px; }
.dr-group-head { font-size: 1.02em; }
.dr-references { margin: 6px 0 0 18px; padding: 0; font-size: 0.92em; }
.dr-viewer-head { border-bottom: 1px solid var(--border-color-primary); padding-bottom: 8px; margin-bottom: 8px; }
.dr-fields { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 0; font-size: 0.92em; }
.dr-fields dt { color: var(--body-text-color-subdued); }
.dr-fields dd { margin: 0; }
.dr-document {
    white-space: pre-wrap; line-height: 1.6; font-size: 0.95em; max-height: 68vh; overflow-y: auto;
    padding-right: 6px;
}
.dr-highlight { background: var(--color-yellow-200, #fef08a); color: inherit; padding: 1px 0; scroll-margin: 80px; }
.dr-table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
.dr-table th, .dr-table td { border-bottom: 1px solid var(--border-color-primary); padding: 4px 8px; text-align: left; vertical-align: top; }
.dr-ok { color: var(--color-green-600, #16a34a); }
.dr-failed { color: var(--color-red-600, #dc2626); }
.dr-working { color: var(--color-accent); }
.dr-stats { display: flex; flex-wrap: wrap; gap: 8px 24px; }
.dr-stat strong { display: block; font-size: 1.25em; }
.dr-note-input { width: 100%; min-height: 2.4em; margin-top: 8px; font: inherit; font-size: 0.92em; padding: 4px 8px; }
"""

# Page-level layout: the document viewer column stays in view while the results scroll.
PAGE_CSS = """
.dr-viewer-column { position: sticky; top: 8px; align-self: flex-start; }
"""

# Clicks on [data-action] buttons become a 'click' event carrying {action, ref}; a note field
# sends {action: 'note', ref, note} when it loses focus after a change.
ACTIONS_JS = """
element.addEventListener('click', (event) => {
    const button = event.target.closest('[data-action]');
    if (!button || !element.contains(button) || button.tagName === 'TEXTAREA') return;
    event.preventDefault();
    const card = button.dataset.card ? element.querySelector('#' + CSS.escape(button.dataset.card)) : null;
    if (card) {
        element.querySelectorAll('.dr-highlighted').forEach((other) => other.classList.remove('dr-highlighted'));
        card.classList.add('dr-highlighted');
    }
    if (button.dataset.action === 'add') {
        button.textContent = '✓ Đã thêm';
        button.disabled = true;
    }
    trigger('click', {action: button.dataset.action, ref: button.dataset.ref});
});
element.addEventListener('change', (event) => {
    const field = event.target.closest('textarea[data-action]');
    if (!field) return;
    trigger('click', {action: field.dataset.action, ref: field.dataset.ref, note: field.value});
});
"""

# The document viewer brings the highlighted passage into view whenever it shows a new one: its
# text box scrolls to the passage, and the page only scrolls when the viewer itself is out of sight.
VIEWER_JS = """
watch('value', () => {
    const mark = element.querySelector('mark.dr-highlight');
    const box = element.querySelector('.dr-document');
    if (!mark || !box) return;
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
    const place = element.getBoundingClientRect();
    if (place.top < 0 || place.top > window.innerHeight - 120) element.scrollIntoView({block: 'start'});
});
"""
