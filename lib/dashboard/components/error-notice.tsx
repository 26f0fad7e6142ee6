/** A problem the person should see first; nothing when there is none. */
export function ErrorNotice(props: { message: string | undefined }) {
  if (props.message === undefined) return null;
  return (
    <p class="notice error" role="alert">
      {props.message}
    </p>
  );
}
