// The extension host as the packaged executable runs it: this file is bundled by the packager
// (tools/package/bundle-extension-host.ts) with everything it imports into one script, embedded in
// the executable, written out to the private cache folder and started by the executable itself
// (host/src/packaged-main.ts). The SDK, its storage dialect, HChaCha20 and the remote-members
// table travel inside it: the executable has no node_modules to read them from.
import * as sdk from '@kith/sdk';
import * as storage from '@kith/sdk/storage';
import * as chacha from '@noble/ciphers/chacha.js';
import members from './remote-members.json' with { type: 'json' };
import { provideBundledModules } from './bundled-modules.mjs';
import './extension-host-child.mjs';

provideBundledModules({ sdk, storage, chacha, members });
