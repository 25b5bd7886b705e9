import type { Routes } from '@angular/router';
import { requireLocked, requireUnlocked } from './session/auth-guards';

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
    loadComponent: () => import('./shell/shell').then((m) => m.Shell),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'chats' },
      { path: 'chats', title: 'Kith · Chats', loadComponent: () => import('./chats/chats-page').then((m) => m.ChatsPage) },
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
