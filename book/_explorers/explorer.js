/* The static explorers of the built book: controls that show precomputed states.
 *
 * Each explorer on a page is a <div class="nn-explorer"> written by nnlib/widgets/static.py: a
 * JSON manifest (controls, their values and labels; per state an image file and its alt text, or
 * a renderer's data), the initial figure, and a note. This script builds native controls from the
 * manifest (range inputs, selects, radio buttons, checkboxes: keyboard operable as they are) and,
 * on every change, shows the matching state:
 *   - "states" mode: swaps the image (only the state on screen is loaded; after the first change,
 *     the neighbouring slider positions are fetched ahead so the next step shows at once); on a
 *     phone, the state's phone edition where it has one;
 *   - "scripted" mode: calls window.nnExplorer.renderers[name].render(target, data, values).
 * No dependency, no fetch or XHR: it works from a server and from file://.
 *
 * Each explorer's root element carries data-nn-state (the state asked for) and data-nn-shown (the
 * state on screen, set once its image has loaded) and fires "nn-explorer-shown"; tests use them.
 */
(function () {
  "use strict";
  const ns = (window.nnExplorer = window.nnExplorer || { renderers: {} });
  ns.renderers = ns.renderers || {};
  let counter = 0;

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  /* One control, as ipywidgets draws it: label, input, readout. onChange(index) on every move. */
  function buildControl(control, onChange) {
    const id = "nn-control-" + ++counter;
    const fixed = control.values.length < 2;  // one value only: shown, but it cannot move
    const label = element("label", { for: id, class: "nn-control-label", text: control.label });
    if (control.kind === "slider") {
      const n = control.values.length;
      const input = element("input", {
        type: "range", id, min: 0, max: n - 1, step: 1, value: control.initial,
        class: "nn-control-input", "aria-valuetext": control.labels[control.initial],
      });
      input.disabled = fixed;
      const readout = element("output", { for: id, class: "nn-control-readout",
                                           text: control.labels[control.initial] });
      input.addEventListener("input", () => {
        const i = Number(input.value);
        readout.textContent = control.labels[i];
        input.setAttribute("aria-valuetext", control.labels[i]);
        onChange(i);
      });
      return element("div", { class: "nn-control nn-slider" }, [label, input, readout]);
    }
    if (control.kind === "dropdown") {
      const select = element("select", { id, class: "nn-control-input" },
        control.labels.map((text, i) => element("option", { value: i, text })));
      select.value = String(control.initial);
      select.disabled = fixed;
      select.addEventListener("change", () => onChange(Number(select.value)));
      return element("div", { class: "nn-control nn-dropdown" }, [label, select]);
    }
    if (control.kind === "toggle") {
      const name = id;
      const options = control.labels.map((text, i) => {
        const radio = element("input", { type: "radio", name, value: i, id: id + "-" + i });
        radio.checked = i === control.initial;
        radio.disabled = fixed;
        radio.addEventListener("change", () => radio.checked && onChange(i));
        return element("label", { class: "nn-toggle-option", for: id + "-" + i },
                       [radio, element("span", { text })]);
      });
      const legend = element("legend", { class: "nn-control-label", text: control.label });
      return element("fieldset", { class: "nn-control nn-toggle", id }, [legend, ...options]);
    }
    if (control.kind === "checkbox") {
      const box = element("input", { type: "checkbox", id, class: "nn-control-input" });
      box.checked = Boolean(control.values[control.initial]);
      box.disabled = fixed;
      box.addEventListener("change", () => onChange(control.values.indexOf(box.checked)));
      return element("div", { class: "nn-control nn-checkbox" }, [box, label]);
    }
    throw new Error("nn-explorer: unknown control kind " + control.kind);
  }

  /* base with patch laid over it: nested objects merge key by key, anything else is replaced. */
  function overlay(base, patch) {
    const plain = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (!plain(base) || !plain(patch)) return patch;
    const out = Object.assign({}, base);
    for (const [key, value] of Object.entries(patch)) out[key] = overlay(base[key], value);
    return out;
  }
  ns.overlay = overlay;

  function init(root) {
    if (root.dataset.nnReady) return;
    root.dataset.nnReady = "1";
    const manifest = JSON.parse(root.querySelector("script.nn-explorer-manifest").textContent);
    const base = root.dataset.nnBase;
    const controls = manifest.controls;
    const indices = controls.map((c) => c.initial);
    const keyOf = (idx) => idx.join("-");
    const values = () => Object.fromEntries(controls.map((c, i) => [c.name, c.values[indices[i]]]));
    const box = root.querySelector(".nn-explorer-controls");
    const img = root.querySelector("img.nn-explorer-image");
    const canvas = root.querySelector(".nn-explorer-canvas");
    let interacted = false;
    // Phone editions (nnlib/widgets/static_phone.py): the same state re-laid out for a narrow
    // column, where the desktop figure's text would be too small. The page's <picture> shows it
    // before this script runs; from then on the controller picks the file the screen needs.
    const source = root.querySelector("picture.nn-explorer-picture source");
    const phone = manifest.phone_media ? window.matchMedia(manifest.phone_media) : null;
    const fileFor = (state) => (phone && phone.matches && state.phone) || state.file;
    // A scripted explorer's phone edition is its data with data.phone laid over it: the figure's
    // size, the axes' boxes and the backgrounds of the phone layout (nnlib/widgets/scripted.py).
    let phoneData = null;
    const dataFor = () => {
      if (!(phone && phone.matches && manifest.data.phone)) return manifest.data;
      return (phoneData = phoneData || overlay(manifest.data, manifest.data.phone));
    };

    function shown(key, alt) {
      root.dataset.nnShown = key;
      root.dispatchEvent(new CustomEvent("nn-explorer-shown", { detail: { key, alt } }));
    }

    function prefetch() {  // the neighbouring slider positions, so the next step is instant
      controls.forEach((c, i) => {
        if (c.kind !== "slider") return;
        for (const step of [-1, 1]) {
          const j = indices[i] + step;
          if (j < 0 || j >= c.values.length) continue;
          const idx = indices.slice();
          idx[i] = j;
          const state = manifest.states[keyOf(idx)];
          if (state) new Image().src = base + fileFor(state);
        }
      });
    }

    function show() {
      const key = keyOf(indices);
      root.dataset.nnState = key;
      if (manifest.renderer) {
        const renderer = ns.renderers[manifest.renderer];
        if (!renderer) throw new Error("nn-explorer: renderer " + manifest.renderer + " not loaded");
        canvas.replaceChildren();
        const alt = renderer.render(canvas, dataFor(), values());
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", alt);
        shown(key, alt);
        return;
      }
      const state = manifest.states[key];
      const url = base + fileFor(state);  // relative to the page: the same from a server or a disk
      const next = new Image();
      next.onload = () => {
        if (root.dataset.nnState !== key) return;  // the reader has moved on meanwhile
        // the <picture>'s <source> wins on a phone: it must name the same state
        if (source) source.srcset = base + (state.phone || state.file);
        img.src = base + state.file;
        img.alt = state.alt;
        shown(key, state.alt);
        if (interacted) prefetch();
      };
      next.onerror = () => { root.dataset.nnError = "could not load " + next.src; };
      next.src = url;
    }

    // A scripted renderer may couple controls, as the live explorer does (a preset writes the
    // kernel's nine weights; a surface resets the learning rates): renderer.link(data, values,
    // changed) returns {name: value}; those controls move on screen too, then one render.
    function link(changed, nodes) {
      const renderer = manifest.renderer && ns.renderers[manifest.renderer];
      if (!renderer || !renderer.link) return;
      const updates = renderer.link(manifest.data, values(), changed);
      controls.forEach((c, i) => {
        if (!(c.name in updates)) return;
        const want = updates[c.name];
        const j = c.values.findIndex((v) => v === want ||
          (typeof v === "number" && Math.abs(v - want) <= 1e-9 * Math.abs(v) + 1e-12));
        if (j < 0) return;  // not a value of the static grid: leave the control where it is
        indices[i] = j;
        const node = nodes[i];
        const input = node.querySelector("input[type=range], select, input[type=checkbox]");
        if (c.kind === "slider") {
          input.value = j;
          input.setAttribute("aria-valuetext", c.labels[j]);
          node.querySelector("output").textContent = c.labels[j];
        } else if (c.kind === "dropdown") input.value = String(j);
        else if (c.kind === "checkbox") input.checked = Boolean(c.values[j]);
        else node.querySelectorAll("input[type=radio]")[j].checked = true;
      });
    }

    const nodes = controls.map((control, i) => buildControl(control, (index) => {
      indices[i] = index;
      interacted = true;
      link(control.name, nodes);
      show();
    }));
    nodes.forEach((node) => box.appendChild(node));
    if (phone) phone.addEventListener("change", show);  // a rotated phone, a resized window
    if (manifest.renderer) show();
    else if (img.complete && img.naturalWidth) shown(keyOf(indices), img.alt);
    else img.addEventListener("load", () => shown(keyOf(indices), img.alt), { once: true });
  }

  ns.init = init;
  function initAll() { document.querySelectorAll("div.nn-explorer").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
