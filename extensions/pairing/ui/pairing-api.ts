import type { UiHost } from '@kith/sdk';

export interface FriendJson {
  readonly id: number;
  readonly label: string;
  readonly master_pubkey: string;
  readonly last_peer_id: string | null;
  readonly verified: boolean;
  readonly auto_connect: boolean;
  readonly added_at: number;
  readonly removing: boolean;
}

export interface PairedJson {
  readonly friend: FriendJson;
  readonly safety_code: string;
  readonly created: boolean;
}

export interface InviteJson {
  readonly token: string;
  readonly code: string;
  readonly expires_at: number;
  readonly qr_svg: string;
}

/** The pairing extension's HTTP API through the UiHost. */
export class PairingApi {
  constructor(private readonly host: UiHost) {}

  start(rendezvousUrl: string, label: string, code?: string): Promise<{ code: string }> {
    return this.host.request('POST', '/pair/start', { rendezvous_url: rendezvousUrl, label, ...(code ? { code } : {}) });
  }

  wait(rendezvousUrl: string, code: string, label: string): Promise<PairedJson> {
    return this.host.request('POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label, timeout_ms: 300_000 });
  }

  invite(rendezvousUrl: string): Promise<InviteJson> {
    return this.host.request('POST', '/pair/invite', { rendezvous_url: rendezvousUrl });
  }

  redeem(token: string, label: string): Promise<PairedJson> {
    return this.host.request('POST', '/pair/redeem', { token, label, timeout_ms: 300_000 });
  }

  friends(): Promise<FriendJson[]> {
    return this.host.request('GET', '/friends');
  }

  update(id: number, changes: { label?: string; verified?: boolean; auto_connect?: boolean }): Promise<FriendJson> {
    return this.host.request('POST', `/friends/${id}`, changes);
  }

  remove(id: number, propagate: boolean): Promise<{ removing: boolean }> {
    return this.host.request('DELETE', `/friends/${id}`, { propagate });
  }
}

/** The rendezvous URL the user used last (shared with the rendezvous card when it stores one). */
export function lastRendezvousUrl(): string {
  try {
    return localStorage.getItem('kith.rendezvousUrl') ?? '';
  } catch {
    return '';
  }
}

export function rememberRendezvousUrl(url: string): void {
  try {
    localStorage.setItem('kith.rendezvousUrl', url);
  } catch {
    // private mode: nothing to remember
  }
}
