// The frame of every console page: skip link, header with who is signed in and a sign-out button, the
// message of the last action, and the page. Styles and the one script come from the package (/console/assets).
import { describeRole } from '../../auth/roles';
import type { Session } from '../../auth/sessions';
import { html, type SafeHtml } from '../html';

export interface Frame {
  title: string;
  session: Session | null;
  /** Said once at the top (the outcome of the last action); `error` is shown as an alert. */
  flash?: { text: string; error?: boolean } | null;
  /** The page's own script behaviours, by name (data-page on <body>). */
  page?: string;
}

export function layout(frame: Frame, body: SafeHtml): string {
  const { session } = frame;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${session ? html`<meta name="csrf-token" content="${session.csrfToken}">` : ''}
<title>${frame.title} · Stockout console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body data-page="${frame.page ?? ''}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console/board">Stockout console</a>
  ${
    session
      ? html`<nav aria-label="Main"><a href="/console/board">Board</a></nav>
  <form class="who" method="post" action="/console/sign-out">
    <span title="${describeRole(session.person.role)}">${session.person.name} · ${session.person.role}</span>
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    <button type="submit" class="link">Sign out</button>
  </form>`
      : ''
  }
</header>
<main id="main" tabindex="-1">
${frame.flash ? html`<p class="flash${frame.flash.error ? ' error' : ''}" role="${frame.flash.error ? 'alert' : 'status'}">${frame.flash.text}</p>` : ''}
${body}
</main>
</body>
</html>`.value;
}

/** The hidden CSRF field every form of a signed-in page carries. */
export const csrfField = (session: Session) => html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;

export function signInPage(options: { error?: string; next?: string }): string {
  return layout(
    { title: 'Sign in', session: null, flash: options.error ? { text: options.error, error: true } : null },
    html`<h1>Sign in</h1>
<form method="post" action="/console/sign-in" class="sign-in">
  <input type="hidden" name="next" value="${options.next ?? '/console/board'}">
  <p><label for="name">User name</label><input id="name" name="name" autocomplete="username" required maxlength="64" autofocus></p>
  <p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200"></p>
  <p><button type="submit">Sign in</button></p>
</form>`,
  );
}

/** A refusal or a failure as a page: what went wrong, each field named, and the way back. */
export function problemPage(frame: Omit<Frame, 'flash'>, status: number, message: string, issues: { path: string; message: string }[], back: string): string {
  return layout(
    frame,
    html`<h1>${status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'Not done'}</h1>
<p class="flash error" role="alert">${message}</p>
${issues.length ? html`<ul class="issues">${issues.map((i) => html`<li><strong>${i.path}</strong>: ${i.message}</li>`)}</ul>` : ''}
<p>${status >= 500 ? 'Check the incident before trying again.' : 'Nothing was changed.'} <a href="${back}">Back</a></p>`,
  );
}
