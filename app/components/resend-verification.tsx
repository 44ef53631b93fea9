import { Form } from "react-router";

/**
 * "Send the link again": posts to the verification page, which mails it (rate limited there).
 * A form: never put it inside a <p>, which HTML closes before it.
 */
export function ResendVerification({ label = "Send the link again" }: { label?: string }) {
  return (
    <Form method="post" action="/verified" className="inline">
      <button type="submit" className="font-medium text-indigo-800 underline hover:text-indigo-900">
        {label}
      </button>
    </Form>
  );
}
