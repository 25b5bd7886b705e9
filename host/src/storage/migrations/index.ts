import type { Migration } from 'kysely';
import { extensionState } from './001-extension-state.js';
import { friends } from './002-friends.js';
import { bus } from './003-bus.js';
import { busRefusals } from './004-bus-refusals.js';
import { busReports } from './005-bus-reports.js';
import { friendsSealed } from './006-friends-sealed.js';
import { busPeerTags } from './007-bus-peer-tags.js';
import { busSendTags } from './008-bus-send-tags.js';
import { busStreamUse } from './009-bus-stream-use.js';
import { extensionGrants } from './010-extension-grants.js';
import { busOutStreamUse } from './011-bus-out-stream-use.js';

/**
 * The host's migrations, in order. Names sort; never rename or edit a landed migration: add a new
 * one. Each area adds its own file and one line here.
 */
export const HOST_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-extension-state': extensionState,
  '002-friends': friends,
  '003-bus': bus,
  '004-bus-refusals': busRefusals,
  '005-bus-reports': busReports,
  '006-friends-sealed': friendsSealed,
  '007-bus-peer-tags': busPeerTags,
  '008-bus-send-tags': busSendTags,
  '009-bus-stream-use': busStreamUse,
  '010-extension-grants': extensionGrants,
  '011-bus-out-stream-use': busOutStreamUse,
};
