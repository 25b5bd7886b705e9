import type { Routes } from '@angular/router';
import { requireLocked, requireUnlocked } from './session/auth-guards';
import { ChatsPage } from './chats/chats-page';
import { Shell } from './shell/shell';

export const routes: Routes = [
  {
    path: 'login',
    canActivate: [requireLocked],
    title: 'Kith · Sign in',
    loadComponent: () => import('./login/login-page').then((m) => m.LoginPage),
  },
  {
    path: '',
    canActivate: [requireUnlocked],
    // Eager, with the Chats page: the usual first screen loads with the main bundle instead of
    // waiting for the lock check to ask for two more chunks (one round trip less on a cold load).
    component: Shell,
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'chats' },
      { path: 'chats', title: 'Kith · Chats', component: ChatsPage },
      {
        path: 'connect',
        title: 'Kith · Connect / Add a friend',
        loadComponent: () => import('./connect/connect-page').then((m) => m.ConnectPage),
      },
      {
        path: 'extensions',
        title: 'Kith · Extensions',
        loadComponent: () => import('./extensions-page/extensions-page').then((m) => m.ExtensionsPage),
      },
      { path: 'settings', title: 'Kith · Settings', loadComponent: () => import('./settings/settings-page').then((m) => m.SettingsPage) },
      // Every other path is looked up among the running extensions' routes (nav contributions).
      { path: '**', loadComponent: () => import('./extensions/contributed-page').then((m) => m.ContributedPage) },
    ],
  },
];
