// Page channels in the extension host: a proxy per channel the host accepted for the extension.
// Synchronous members (isOpen, writable, stats, send's answer) read a copy of the host's state that
// the host refreshes on every send, drain and close. Under `pause`, send also counts the messages on
// their way to the host against the channel's capacity (window + queue, the same terms the host
// uses), so an extension sending in a loop is told "no" when the host's queue would be full, not
// only after the host refused; a message the host still refuses is kept here and sent again at the
// next drain, so nothing the extension was told was taken is lost.

const proxies = new Map();

export function channelProxy(api, init, terms, onGone) {
  const hid = init['@channel'];
  const state = { isOpen: init.isOpen, writable: init.writable, stats: init.stats };
  const retry = [];
  /** Sent to the host, not answered yet. */
  const unanswered = { messages: 0, bytes: 0 };
  /** Resolved when the last unanswered send is answered. */
  const allAnswered = [];
  const capacity = { messages: terms.windowMessages + terms.queueMessages, bytes: terms.windowBytes + terms.queueBytes };
  const full = (bytes) => {
    if (init.policy !== 'pause') return false;
    const stats = state.stats ?? {};
    const messages = (stats.inFlightMessages ?? 0) + (stats.queuedMessages ?? 0) + unanswered.messages;
    const held = (stats.inFlightBytes ?? 0) + (stats.queuedBytes ?? 0) + unanswered.bytes;
    return messages + 1 > capacity.messages || held + bytes > capacity.bytes;
  };
  /** onDidClose listeners live here: a close can come before a registration with the host would. */
  const closeListeners = new Set();
  const closed = (reason) => {
    for (const listener of [...closeListeners]) {
      try {
        const result = listener({ reason });
        if (result instanceof Promise) result.catch(api.crash);
      } catch (error) {
        api.crash(error);
      }
    }
    closeListeners.clear();
  };
  const entry = { state, retry, flush: () => flush(), gone: onGone, closed };
  proxies.set(hid, entry);
  const refused = (error) => {
    if (state.isOpen) api.send({ t: 'notify', member: 'log.warn', args: ['a page channel send failed', { error: String(error?.message ?? error) }] });
  };
  const deliver = (message, bytes = 0) => {
    unanswered.messages++;
    unanswered.bytes += bytes;
    const answered = () => {
      unanswered.messages--;
      unanswered.bytes -= bytes;
      if (unanswered.messages === 0) for (const resolve of allAnswered.splice(0)) resolve();
    };
    return api.call('@channel.send', [hid, message]).then(({ taken, state: fresh }) => {
      answered();
      Object.assign(state, fresh);
      if (!taken && state.isOpen) {
        state.writable = false;
        retry.push(message);
      }
    }, (error) => {
      answered();
      refused(error);
    });
  };
  const flush = () => {
    while (retry.length > 0 && state.writable && state.isOpen) void deliver(retry.shift());
  };
  // A registration that reaches the host after the channel closed is refused there: nothing to do.
  const event = (name) => (listener) => api.listen(`@channel.${name}`, [hid, listener], { tolerateGone: true });
  const close = () => {
    if (!state.isOpen) return;
    state.isOpen = false;
    state.writable = false;
    void api.call('@channel.close', [hid]).catch(() => undefined);
  };
  return {
    name: init.name,
    page: init.page,
    policy: init.policy,
    maxMessageBytes: init.maxMessageBytes,
    get isOpen() { return state.isOpen; },
    get writable() { return state.writable && retry.length === 0 && !full(0); },
    get stats() { return state.stats; },
    send(message) {
      if (!state.isOpen) throw api.rebuild({ code: 'KITH_ERR_CONFLICT', message: `The page channel "${init.name}" is closed` });
      const checked = api.sdk.checkChannelMessage(message, init.maxMessageBytes); // refuses at once, as in the host
      if (init.policy === 'pause' && (!state.writable || retry.length > 0 || full(checked.bytes))) return false;
      void deliver(checked.message, checked.bytes);
      return true;
    },
    async whenWritable() {
      while (state.isOpen && !(state.writable && retry.length === 0 && !full(0))) {
        // Let what is on its way be answered first; then the host says when its queue has room.
        if (unanswered.messages > 0) await new Promise((resolve) => allAnswered.push(resolve));
        else Object.assign(state, await api.call('@channel.whenWritable', [hid]));
      }
    },
    onDidReceive: event('onDidReceive'),
    onDidDrain: event('onDidDrain'),
    onDidClose(listener) {
      if (!state.isOpen) return new api.sdk.Disposable(() => undefined);
      closeListeners.add(listener);
      return new api.sdk.Disposable(() => closeListeners.delete(listener));
    },
    close,
    dispose: close,
  };
}

/** The host's fresh copy of a channel's state (after a drain or a close). */
export function channelState(message) {
  const entry = proxies.get(message.hid);
  if (!entry) return;
  Object.assign(entry.state, message.state);
  if (!entry.state.isOpen) {
    proxies.delete(message.hid);
    entry.retry.length = 0;
    entry.gone();
    entry.closed(message.reason ?? 'closed');
    return;
  }
  entry.flush();
}
