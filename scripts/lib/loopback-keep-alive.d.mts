/** Makes HTTP servers created afterwards in this process keep idle connections open (see the .mjs). */
export function keepLoopbackConnectionsOpen(): void;
