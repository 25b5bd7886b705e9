import { API_PROPOSALS, KithError, SDK_API_VERSION, type ApiProposal, type ProposedApi } from '@kith/sdk';
import type { ExtensionScope } from '../../core/area.js';
import { KITH_VERSION } from '../../version.js';

/**
 * `ctx.proposed`: each member is built on first use, and only when the manifest lists its
 * proposal in `enabledApiProposals`; otherwise the access throws `KITH_ERR_PROPOSAL_NOT_ENABLED`.
 */
export function createProposedApi(scope: ExtensionScope): ProposedApi {
  const enabled = new Set(scope.manifest.enabledApiProposals ?? []);
  const members: { readonly [P in keyof ProposedApi]: () => ProposedApi[P] } = {
    hostInfo: () =>
      Object.freeze({
        apiVersion: SDK_API_VERSION,
        release: KITH_VERSION,
        proposals: Object.freeze(Object.keys(API_PROPOSALS) as ApiProposal[]),
      }),
  };
  const api = {} as ProposedApi;
  for (const name of Object.keys(members) as Array<keyof ProposedApi>) {
    Object.defineProperty(api, name, {
      enumerable: true,
      get() {
        if (!enabled.has(name)) {
          throw new KithError(
            'KITH_ERR_PROPOSAL_NOT_ENABLED',
            `ctx.proposed.${name} is proposed API: list "${name}" in enabledApiProposals of extension "${scope.extension.id}"`,
            { proposal: name },
          );
        }
        return members[name]();
      },
    });
  }
  return Object.freeze(api);
}
