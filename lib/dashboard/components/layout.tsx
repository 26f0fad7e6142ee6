import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { REFRESH_SCRIPT } from '../refresh-script.js';
import { ICON_PATH } from '../routes/asset-routes.js';
import type { Session } from '../session.js';
import { CSS } from '../styles.js';

export type Section = 'releases' | 'flags' | 'delivery';

export interface LayoutProps {
  readonly title: string;
  readonly section?: Section | undefined;
  readonly session?: Session | undefined;
  /** Reload every 10 s while something is moving (an active release). */
  readonly refresh?: boolean | undefined;
  readonly children?: Child;
}

const LINKS: [Section, string, string][] = [
  ['releases', '/', 'Releases'],
  ['flags', '/ui/flags', 'Flags'],
  ['delivery', '/ui/delivery', 'Delivery'],
];

export function Layout(props: LayoutProps) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="same-origin" />
          <title>{`${props.title} · Release Gate`}</title>
          <link rel="icon" href={ICON_PATH} type="image/svg+xml" />
          <style>{raw(CSS)}</style>
        </head>
        <body>
          <header class="top">
            <div class="top-inner">
              <a class="brand" href="/">
                Release Gate
              </a>
              {props.session === undefined ? null : (
                <nav class="nav" aria-label="Sections">
                  {LINKS.map(([section, href, text]) => (
                    <a href={href} aria-current={props.section === section ? 'page' : undefined}>
                      {text}
                    </a>
                  ))}
                </nav>
              )}
              {props.session === undefined ? null : (
                <div class="who">
                  <span>
                    signed in as <strong>{props.session.principal.subject}</strong>
                  </span>
                  <form method="post" action="/ui/logout">
                    <input type="hidden" name="csrf" value={props.session.csrf} />
                    <button type="submit" class="link-button">
                      Sign out
                    </button>
                  </form>
                </div>
              )}
            </div>
          </header>
          <main>{props.children}</main>
          {props.refresh ? <script>{raw(REFRESH_SCRIPT)}</script> : null}
        </body>
      </html>
    </>
  );
}
