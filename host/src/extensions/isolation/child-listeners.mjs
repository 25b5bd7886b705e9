// Timed session listeners in the extension host: the listener and its socket stay in the host; the
// extension gets a proxy. `state` and `counters()` read a copy the host pushes with every event and
// every half second while the listener lives; `connect` and `dispose` are calls.

const listeners = new Map();

export function listenerProxy(api, init) {
  const hid = init['@listener'];
  const copy = { state: init.state, counters: init.counters };
  const opened = new Set();
  const closed = new Set();
  listeners.set(hid, { copy, opened, closed, crash: api.crash });
  const on = (set) => (listener, thisArgs, disposables) => {
    const bound = thisArgs === undefined ? listener : listener.bind(thisArgs);
    set.add(bound);
    const registration = new api.sdk.Disposable(() => set.delete(bound));
    disposables?.push(registration);
    return registration;
  };
  return {
    local: init.local,
    untilMs: init.untilMs,
    get state() { return copy.state; },
    counters: () => copy.counters,
    onDidOpenSession: on(opened),
    onDidClose: on(closed),
    async connect(peer, endpoints, options) {
      const answer = await api.call('@listener.connect', [hid, peer, endpoints, options]);
      Object.assign(copy, answer.copy);
      return answer.session;
    },
    dispose() {
      if (copy.state === 'closed') return;
      void api.call('@listener.dispose', [hid]).catch(() => undefined);
    },
  };
}

/** The host's news of a listener: a fresh copy, and an opened session or the close to pass on. */
export function listenerEvent(message) {
  const entry = listeners.get(message.hid);
  if (!entry) return;
  Object.assign(entry.copy, message.copy);
  if (message.event === 'open') fire(entry, entry.opened, message.session);
  if (message.event === 'close') {
    listeners.delete(message.hid);
    fire(entry, entry.closed, message.reason);
  }
}

function fire(entry, set, value) {
  for (const listener of [...set]) {
    try {
      const result = listener(value);
      if (result instanceof Promise) result.catch(entry.crash);
    } catch (error) {
      entry.crash(error);
    }
  }
}
