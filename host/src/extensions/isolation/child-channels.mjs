// Page channels in the extension host: a proxy per channel the host accepted for the extension.
// Synchronous members (isOpen, writable, stats, send's answer) read a copy of the host's state that
// the host refreshes on every send, drain and close; a message the host's `pause` queue refused is
// kept here and sent again at the next drain, so nothing the extension was told was taken is lost.

const proxies = new Map();

export function channelProxy(api, init, onGone) {
  const hid = init['@channel'];
  const state = { isOpen: init.isOpen, writable: init.writable, stats: init.stats };
  const retry = [];
  const entry = { state, retry, flush: () => flush(), gone: onGone };
  proxies.set(hid, entry);
  const refused = (error) => {
    if (state.isOpen) api.send({ t: 'notify', member: 'log.warn', args: ['a page channel send failed', { error: String(error?.message ?? error) }] });
  };
  const deliver = (message) =>
    api.call('@channel.send', [hid, message]).then(({ taken, state: fresh }) => {
      Object.assign(state, fresh);
      if (!taken && state.isOpen) {
        state.writable = false;
        retry.push(message);
      }
    }, refused);
  const flush = () => {
    while (retry.length > 0 && state.writable && state.isOpen) void deliver(retry.shift());
  };
  const event = (name) => (listener) => api.listen(`@channel.${name}`, [hid, listener]);
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
    get writable() { return state.writable && retry.length === 0; },
    get stats() { return state.stats; },
    send(message) {
      if (!state.isOpen) throw api.rebuild({ code: 'KITH_ERR_CONFLICT', message: `The page channel "${init.name}" is closed` });
      const checked = api.sdk.checkChannelMessage(message, init.maxMessageBytes); // refuses at once, as in the host
      if (init.policy === 'pause' && (!state.writable || retry.length > 0)) return false;
      void deliver(checked.message);
      return true;
    },
    async whenWritable() {
      if (state.writable && retry.length === 0) return;
      Object.assign(state, await api.call('@channel.whenWritable', [hid]));
    },
    onDidReceive: event('onDidReceive'),
    onDidDrain: event('onDidDrain'),
    onDidClose: event('onDidClose'),
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
    return;
  }
  entry.flush();
}
