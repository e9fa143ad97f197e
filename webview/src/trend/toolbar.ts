import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { el } from '../shared/dom';
import type { Series } from './series';

export interface TrendToolbar {
  root: HTMLElement;
  /** Offers the series (all of them; the hidden ones unticked). */
  fillPicker(series: readonly Series[]): void;
  /** Ticks what `hidden` no longer holds, and unticks what it does. */
  syncPicker(): void;
}

/** The trend view's toolbar: which series are drawn, and whether dying counts are (dashed). */
export function trendToolbar(o: {
  /** Keys of the series hidden: the toolbar changes it when the picker does. */
  hidden: Set<string>;
  showDying: boolean;
  /** The picker changed `hidden`. */
  seriesChanged(): void;
  dyingChanged(show: boolean): void;
}): TrendToolbar {
  const doc = document;
  const { hidden } = o;
  const root = el('div', 'toolbar');
  const seriesLabel = el('span', 'tb-label');
  seriesLabel.textContent = 'Series';
  const picker = doc.createElement('vscode-multi-select');
  picker.id = 'series';
  picker.setAttribute('aria-label', 'Series shown');
  const dyingBox = doc.createElement('vscode-checkbox');
  dyingBox.id = 'show-dying';
  dyingBox.label = 'Dying (dashed)';
  dyingBox.checked = o.showDying;
  root.append(seriesLabel, picker, dyingBox);

  let pickerKeys: string[] = [];
  const syncPicker = (): void => {
    picker.value = pickerKeys.filter((k) => !hidden.has(k));
  };
  picker.addEventListener('change', () => {
    const shown = new Set(picker.value);
    hidden.clear();
    for (const k of pickerKeys) if (!shown.has(k)) hidden.add(k);
    o.seriesChanged();
  });
  dyingBox.addEventListener('change', () => o.dyingChanged(dyingBox.checked));

  return {
    root,
    fillPicker(series) {
      const keys = series.map((s) => s.key);
      if (keys.length === pickerKeys.length && keys.every((k, i) => k === pickerKeys[i])) {
        syncPicker();
        return;
      }
      pickerKeys = keys;
      picker.replaceChildren(
        ...series.map((s) => {
          const opt = doc.createElement('vscode-option');
          opt.value = s.key;
          opt.textContent = s.label;
          opt.selected = !hidden.has(s.key);
          return opt;
        }),
      );
      // The select reads new options only after its slot settles.
      requestAnimationFrame(syncPicker);
    },
    syncPicker,
  };
}
