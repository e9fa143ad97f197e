/**
 * Whether the flame view's selection is shown in the Nodes tree. Revealing in a tree the user has
 * hidden opens the side bar again and halves the chart, so a click reveals only while the Nodes
 * view is on screen; "Reveal in Nodes" is the user asking, and always reveals.
 */
export function shouldReveal(how: 'select' | 'reveal', nodesVisible: boolean): boolean {
  return how === 'reveal' || nodesVisible;
}
