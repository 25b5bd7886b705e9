// Registration rules checked in the extension host itself, so that a kind or route the manifest
// does not declare, or one registered twice, throws at the call as it does in the host's process
// (a try/catch around it works) instead of coming back later as a crash of the extension. The host
// checks again: this copy only moves the error to where it was made.
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function checkRegistrations(ctx, declared, sdk) {
  const id = ctx.extension.id;
  const refuse = (code, message) => new sdk.KithError(code, message);
  const kinds = new Set();
  const registerKind = ctx.kinds.register;
  ctx.kinds.register = (kind, handler, options) => {
    if (!(declared.kinds ?? []).includes(kind)) {
      throw refuse('KITH_ERR_KIND_NOT_OWNED', `Extension "${id}" does not list kind "${kind}" in its manifest`);
    }
    if (typeof handler !== 'function') throw refuse('KITH_ERR_BAD_REQUEST', 'A kind handler must be a function');
    if (options?.purpose !== undefined) throw refuse('KITH_ERR_BAD_REQUEST', 'A purpose applies only to stream.open/open-ack/close and is 1-32 characters');
    if (kinds.has(kind)) throw refuse('KITH_ERR_DUPLICATE', `Kind ${kind} already has a handler (extension ${id})`);
    kinds.add(kind);
    const registration = registerKind(kind, handler, options);
    return new sdk.Disposable(() => {
      kinds.delete(kind);
      registration.dispose();
    });
  };
  const routes = new Set();
  for (const method of METHODS) {
    const registerRoute = ctx.routes[method];
    ctx.routes[method] = (path, handler, options) => {
      const key = `${method.toUpperCase()} ${path}`;
      if (typeof handler !== 'function') throw new TypeError('A route handler must be a function');
      if (!(declared.routes ?? []).includes(key)) {
        throw refuse('KITH_ERR_BAD_REQUEST', `Extension "${id}" does not declare route "${key}" in contributes.routes`);
      }
      if (routes.has(key)) throw refuse('KITH_ERR_DUPLICATE', `Route "${key}" is already registered`);
      routes.add(key);
      const registration = registerRoute(path, handler, options);
      return new sdk.Disposable(() => {
        routes.delete(key);
        registration.dispose();
      });
    };
  }
}
