import { easeCubicInOut } from 'd3-ease';
import { interpolateNumber } from 'd3-interpolate';
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { timer, type Timer } from 'd3-timer';
import { zoom as d3zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { cellsFor, hitTest, MARK, MIN_ROW, visibleCells, type Cells, type Layout, type View } from './layout';
import type { Palette } from './theme';

/**
 * A reusable canvas icicle chart in the manner of d3-flame-graph: icicle(el).data(d).onSelect(cb).
 * One canvas instead of one SVG element per cgroup, so 100,000 cells stay smooth: each frame draws
 * only the cells a pixel wide or more, slivers merged into one block per run (layout.visibleCells).
 * Names reach the screen only through fillText (and textContent in the tooltip and SVG export).
 */
export interface IcicleData {
  layout: Layout;
  parent: Int32Array;
  /** Display names by cgroup index. */
  names: readonly string[];
  kinds: Uint8Array;
  /** MARK bits by cgroup index. */
  marks: Uint8Array;
  /** Compare mode: 1 where the cgroup is new since the baseline. */
  fresh?: Uint8Array;
  /** A shorter text for a cell than its name (the tooltip keeps the full path). */
  label?: (cgroup: number) => string;
}

export interface HoverInfo {
  /** Cgroup index, or -1 for a block of merged slivers. */
  cgroup: number;
  merged: number;
  clientX: number;
  clientY: number;
}

export interface Icicle {
  /** New data; focus (zoom) and selection by cgroup index, kept only where the cgroup has width. */
  data(d: IcicleData, focus?: number, selected?: number): Icicle;
  palette(p: Palette): Icicle;
  onSelect(cb: (cgroup: number) => void): Icicle;
  onZoom(cb: (cgroup: number) => void): Icicle;
  onHover(cb: (info: HoverInfo | undefined) => void): Icicle;
  /** Called after every drawn frame with the time the frame's drawing took (ms). */
  onFrame(cb: (ms: number) => void): Icicle;
  /** Zooms so the cgroup fills the width (animated unless told otherwise). */
  zoomTo(cgroup: number, animate?: boolean): Icicle;
  select(cgroup: number | undefined): Icicle;
  highlight(marks: Uint8Array | undefined): Icicle;
  focused(): number;
  selected(): number | undefined;
  redraw(): void;
  toSvg(): string;
  toPng(): string;
  destroy(): void;
}

const ANIMATION_MS = 450;

export function icicle(el: HTMLElement): Icicle {
  const canvas = el.ownerDocument.createElement('canvas');
  canvas.className = 'icicle-canvas';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'Icicle chart of the cgroup hierarchy');
  // Keyboard: Escape or Backspace zooms out one level, Home to the root.
  canvas.tabIndex = 0;
  el.appendChild(canvas);
  const ctx = canvas.getContext('2d', { alpha: false })!;

  let d: IcicleData | undefined;
  let pal: Palette | undefined;
  let cells: Cells | undefined;
  let view: View = { x0: 0, x1: 1, width: 1 };
  let focus = 0;
  let sel: number | undefined;
  let search: Uint8Array | undefined;
  let anim: Timer | undefined;
  let cssWidth = 1;
  /** Band height: the panel's height shared by the rows, never below MIN_ROW. */
  let row = MIN_ROW;
  let charWidth = 7;
  let selectCb: (i: number) => void = () => undefined;
  let zoomCb: (i: number) => void = () => undefined;
  let hoverCb: (h: HoverInfo | undefined) => void = () => undefined;
  let frameCb: (ms: number) => void = () => undefined;
  let pending = 0;

  // Ctrl/Cmd+wheel zooms and dragging pans, horizontally, through d3-zoom; plain wheel scrolls.
  let syncing = false;
  const zoomer: ZoomBehavior<HTMLCanvasElement, unknown> = d3zoom<HTMLCanvasElement, unknown>()
    .scaleExtent([1, 1e7])
    .filter((e: Event) => (e.type === 'wheel' ? (e as WheelEvent).ctrlKey || (e as WheelEvent).metaKey : !(e as MouseEvent).button))
    .on('zoom', (e: { transform: ZoomTransform }) => {
      if (syncing) return;
      anim?.stop();
      const t = e.transform;
      const x0 = Math.max(0, -t.x / (t.k * cssWidth));
      view = { x0, x1: Math.min(1, x0 + 1 / t.k), width: cssWidth };
      schedule();
    });
  const canvasSel = select(canvas);
  canvasSel.call(zoomer).on('dblclick.zoom', null);

  function syncZoom(): void {
    syncing = true;
    const k = 1 / (view.x1 - view.x0);
    zoomer.transform(canvasSel, zoomIdentity.translate(-view.x0 * k * cssWidth, 0).scale(k));
    syncing = false;
  }

  function resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const cs = getComputedStyle(el);
    cssWidth = Math.max(1, el.clientWidth - (parseFloat(cs.paddingLeft) || 0) - (parseFloat(cs.paddingRight) || 0));
    const rows = d ? d.layout.maxDepth + 1 : 1;
    // The bands share the chart's height (the panel less the toolbar, legend and breadcrumb), so a
    // shallow tree fills the panel; a deep one keeps readable bands and the chart box scrolls.
    const available = el.clientHeight - (parseFloat(cs.paddingTop) || 0) - (parseFloat(cs.paddingBottom) || 0);
    row = Math.max(MIN_ROW, Math.floor(available / rows));
    canvas.dataset.row = String(row);
    const cssHeight = rows * row;
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    view = { ...view, width: cssWidth };
    if (pal) ctx.font = `12px ${pal.font}`;
    charWidth = ctx.measureText('abcdefghijklmnopqrstuvwxyz0123456789-_.').width / 39;
  }

  function schedule(): void {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      draw();
    });
  }

  function draw(): void {
    const t0 = performance.now();
    if (!pal) return;
    ctx.fillStyle = pal.background;
    ctx.fillRect(0, 0, cssWidth, canvas.height);
    if (!d || d.layout.n === 0) {
      cells = undefined;
      frameCb(performance.now() - t0);
      return;
    }
    const { layout, kinds, names, marks, fresh } = d;
    cells = cellsFor(layout, cells);
    const count = visibleCells(layout, view, cells);
    ctx.font = `12px ${pal.font}`;
    ctx.textBaseline = 'middle';
    const gap = pal.highContrast ? 0 : 1;
    for (let c = 0; c < count; c++) {
      const p = cells.pos[c]!;
      const x = Math.round(cells.sx[c]!);
      const w = Math.max(1, Math.round(cells.sx[c]! + cells.sw[c]!) - x);
      const y = cells.depth[c]! * row;
      if (p < 0) {
        ctx.globalAlpha = search ? 0.25 : 0.6;
        ctx.fillStyle = pal.merged;
        ctx.fillRect(x, y, w, row - 1);
        ctx.globalAlpha = 1;
        continue;
      }
      const i = layout.node[p]!;
      const kind = kinds[i]!;
      const hit = search ? search[i]! : 1;
      ctx.globalAlpha = hit === 0 ? 0.25 : hit === 2 ? 0.6 : 1;
      ctx.fillStyle = pal.kind[kind] ?? pal.merged;
      const cw = w > 2 ? w - gap : w;
      ctx.fillRect(x, y, cw, row - 1);
      const m = marks[i]!;
      if (m & MARK.orphan) {
        ctx.fillStyle = pal.orphan;
        ctx.fillRect(x, y + row - 5, cw, 4);
      } else if (m & MARK.empty) {
        // Empty, not an orphan: a thin neutral line where an orphan's red stripe would be.
        ctx.fillStyle = pal.empty;
        ctx.fillRect(x, y + row - 3, cw, 2);
      }
      if (m & MARK.dyingHeavy) {
        ctx.fillStyle = pal.dying;
        ctx.fillRect(x, y, cw, 3);
      }
      if (pal.highContrast && w > 3) {
        ctx.strokeStyle = pal.border;
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, w - 1, row - 2);
      }
      if (w > 28) {
        const name = i === 0 ? '/' : d.label ? d.label(i) : names[i]!;
        const room = Math.floor((w - 8) / charWidth);
        const label = (fresh && fresh[i] ? '+ ' : '') + (name.length <= room ? name : room > 2 ? name.slice(0, room - 1) + '…' : '');
        if (label !== '') {
          ctx.fillStyle = pal.kindText[kind] ?? '#000';
          ctx.fillText(label, x + 4, y + row / 2, w - 6);
        }
      }
      if (search && hit === 1) {
        ctx.globalAlpha = 1;
        ctx.strokeStyle = pal.match;
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1, y + 1, Math.max(1, cw - 2), row - 3);
      }
      ctx.globalAlpha = 1;
    }
    if (sel !== undefined) {
      const p = layout.posOf[sel]!;
      if (p >= 0) {
        const k = cssWidth / (view.x1 - view.x0);
        const a = Math.max(0, (layout.x0[p]! - view.x0) * k);
        const b = Math.min(cssWidth, (layout.x1[p]! - view.x0) * k);
        if (b > 0 && a < cssWidth) {
          ctx.strokeStyle = pal.selected;
          ctx.lineWidth = 2;
          ctx.strokeRect(a + 1, layout.depth[p]! * row + 1, Math.max(2, b - a - 2), row - 3);
        }
      }
    }
    frameCb(performance.now() - t0);
  }

  function cellAt(ev: MouseEvent): number {
    if (!cells) return -1;
    const r = canvas.getBoundingClientRect();
    return hitTest(cells, ev.clientX - r.left, Math.floor((ev.clientY - r.top) / row));
  }

  canvas.addEventListener('mousemove', (ev) => {
    const c = cellAt(ev);
    if (c < 0 || !cells || !d) {
      hoverCb(undefined);
      return;
    }
    const p = cells.pos[c]!;
    hoverCb({ cgroup: p < 0 ? -1 : d.layout.node[p]!, merged: cells.merged[c]!, clientX: ev.clientX, clientY: ev.clientY });
  });
  canvas.addEventListener('mouseleave', () => hoverCb(undefined));
  canvas.addEventListener('keydown', (ev) => {
    if (!d) return;
    if (ev.key === 'Escape' || ev.key === 'Backspace') {
      if (focus > 0) api.zoomTo(d.parent[focus]!);
    } else if (ev.key === 'Home') {
      api.zoomTo(0);
    } else return;
    ev.preventDefault();
  });
  canvas.addEventListener('click', (ev) => {
    const c = cellAt(ev);
    if (c < 0 || !cells || !d) return;
    const p = cells.pos[c]!;
    if (p < 0) {
      // A merged block: zoom to the parent of the slivers so they get room.
      const row = cells.depth[c]!;
      const x = cells.sx[c]! + cells.sw[c]! / 2;
      const above = hitTest(cells, x, row - 1);
      if (above >= 0 && cells.pos[above]! >= 0) api.zoomTo(d.layout.node[cells.pos[above]!]!);
      return;
    }
    const i = d.layout.node[p]!;
    sel = i;
    api.zoomTo(i);
    selectCb(i);
  });

  const ro = new ResizeObserver(() => {
    resize();
    syncZoom();
    draw();
  });
  ro.observe(el);

  const api: Icicle = {
    data(next, focusOn = 0, selected = undefined) {
      anim?.stop();
      d = next;
      focus = focusOn;
      sel = selected;
      if (focus >= next.layout.posOf.length || next.layout.posOf[focus]! < 0) focus = 0;
      const p = next.layout.posOf[focus]!;
      view = p >= 0 ? { x0: next.layout.x0[p]!, x1: next.layout.x1[p]!, width: cssWidth } : { x0: 0, x1: 1, width: cssWidth };
      if (sel !== undefined && (sel >= next.layout.posOf.length || next.layout.posOf[sel]! < 0)) sel = undefined;
      cells = undefined;
      resize();
      syncZoom();
      draw();
      return api;
    },
    palette(p) {
      pal = p;
      resize();
      draw();
      return api;
    },
    onSelect(cb) {
      selectCb = cb;
      return api;
    },
    onZoom(cb) {
      zoomCb = cb;
      return api;
    },
    onHover(cb) {
      hoverCb = cb;
      return api;
    },
    onFrame(cb) {
      frameCb = cb;
      return api;
    },
    zoomTo(cgroup, animate = true) {
      if (!d) return api;
      const p = d.layout.posOf[cgroup] ?? -1;
      if (p < 0) return api;
      focus = cgroup;
      zoomCb(cgroup);
      const target = { x0: d.layout.x0[p]!, x1: d.layout.x1[p]! };
      anim?.stop();
      if (!animate) {
        view = { ...target, width: cssWidth };
        syncZoom();
        draw();
        return api;
      }
      const ix0 = interpolateNumber(view.x0, target.x0);
      const ix1 = interpolateNumber(view.x1, target.x1);
      // d3-scale maps elapsed time to progress; the ease shapes it.
      const progress = scaleLinear().domain([0, ANIMATION_MS]).range([0, 1]).clamp(true);
      anim = timer((elapsed) => {
        const t = easeCubicInOut(progress(elapsed));
        view = { x0: ix0(t), x1: ix1(t), width: cssWidth };
        draw();
        if (t >= 1) {
          anim?.stop();
          anim = undefined;
          syncZoom();
        }
      });
      return api;
    },
    select(cgroup) {
      sel = cgroup;
      schedule();
      return api;
    },
    highlight(marks) {
      search = marks;
      schedule();
      return api;
    },
    focused: () => focus,
    selected: () => sel,
    redraw: draw,
    toSvg() {
      return svgOf(el.ownerDocument, cells, d, pal, cssWidth, row);
    },
    toPng() {
      draw();
      return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
    },
    destroy() {
      anim?.stop();
      ro.disconnect();
      canvas.remove();
    },
  };
  return api;
}

/** The cells on screen as SVG, built with DOM calls (names as textContent) and serialised. */
function svgOf(doc: Document, cells: Cells | undefined, d: IcicleData | undefined, pal: Palette | undefined, width: number, row: number): string {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = doc.createElementNS(NS, 'svg');
  const rows = d ? d.layout.maxDepth + 1 : 1;
  svg.setAttribute('xmlns', NS);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(rows * row));
  svg.setAttribute('font-family', pal?.font ?? 'sans-serif');
  svg.setAttribute('font-size', '12');
  const bg = doc.createElementNS(NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', pal?.background ?? '#fff');
  svg.appendChild(bg);
  if (cells && d && pal) {
    for (let c = 0; c < cells.count; c++) {
      const p = cells.pos[c]!;
      const g = doc.createElementNS(NS, 'g');
      const rect = doc.createElementNS(NS, 'rect');
      const x = cells.sx[c]!;
      const w = Math.max(1, cells.sw[c]! - 1);
      rect.setAttribute('x', x.toFixed(1));
      rect.setAttribute('y', String(cells.depth[c]! * row));
      rect.setAttribute('width', w.toFixed(1));
      rect.setAttribute('height', String(row - 1));
      const title = doc.createElementNS(NS, 'title');
      if (p < 0) {
        rect.setAttribute('fill', pal.merged);
        title.textContent = `${cells.merged[c]} cgroups too narrow to draw`;
        g.append(title, rect);
      } else {
        const i = d.layout.node[p]!;
        const kind = d.kinds[i]!;
        rect.setAttribute('fill', pal.kind[kind] ?? pal.merged);
        title.textContent = i === 0 ? '/' : d.names[i]!;
        g.append(title, rect);
        if (w > 28) {
          const text = doc.createElementNS(NS, 'text');
          text.setAttribute('x', (x + 4).toFixed(1));
          text.setAttribute('y', String(cells.depth[c]! * row + row / 2 + 4));
          text.setAttribute('fill', pal.kindText[kind] ?? '#000');
          // Cut like the canvas does (about 7 px a character at 12 px).
          const label = i === 0 ? '/' : d.label ? d.label(i) : d.names[i]!;
          const room = Math.floor((w - 8) / 7);
          text.textContent = label.length <= room ? label : room > 2 ? label.slice(0, room - 1) + '…' : '';
          g.appendChild(text);
        }
      }
      svg.appendChild(g);
    }
  }
  return new XMLSerializer().serializeToString(svg);
}
