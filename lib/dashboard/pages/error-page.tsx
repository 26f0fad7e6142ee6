import { Layout } from '../components/layout.js';
import type { Session } from '../session.js';
import { ErrorNotice } from '../components/error-notice.js';

export interface ErrorPageProps {
  readonly status: number;
  readonly title: string;
  readonly message: string;
  readonly session?: Session | undefined;
  /** A way back, such as the release the person was on. */
  readonly back?: { readonly href: string; readonly text: string } | undefined;
}

export function ErrorPage(props: ErrorPageProps) {
  return (
    <Layout title={props.title} session={props.session}>
      <div class="card">
        <h1>
          {props.title} <span class="muted small">({props.status})</span>
        </h1>
        <ErrorNotice message={props.message} />
        <p>
          <a href={props.back?.href ?? '/'}>{props.back?.text ?? 'Back to releases'}</a>
        </p>
      </div>
    </Layout>
  );
}
