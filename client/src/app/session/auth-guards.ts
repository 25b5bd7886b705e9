import { inject } from '@angular/core';
import { Router, type CanActivateFn } from '@angular/router';
import { IdentityStore } from './identity-store';

/** Routes of the unlocked app: locked → /login. */
export const requireUnlocked: CanActivateFn = async () => {
  const identity = inject(IdentityStore);
  const router = inject(Router);
  try {
    const state = await identity.refresh();
    return state.locked ? router.parseUrl('/login') : true;
  } catch {
    return router.parseUrl('/login');
  }
};

/** The login page: unlocked → /chats, unless the user asked to switch or add a persona. */
export const requireLocked: CanActivateFn = async (route) => {
  const identity = inject(IdentityStore);
  const router = inject(Router);
  if (route.queryParamMap.has('switch') || route.queryParamMap.has('add')) return true;
  try {
    const state = await identity.refresh();
    return state.locked ? true : router.parseUrl('/chats');
  } catch {
    return true;
  }
};
