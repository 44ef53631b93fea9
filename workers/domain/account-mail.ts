import { escapeHtml } from "../lib/html";
import type { MailMessage } from "../lib/mail";

/** Where a verification link lands once better-auth has read it (app/routes/verified.tsx). */
export const VERIFIED_PATH = "/verified";

/** How long the links in these emails work. */
export const VERIFY_LINK_SECONDS = 24 * 60 * 60;
export const RESET_LINK_SECONDS = 60 * 60;

/**
 * The link in a verification email: better-auth's endpoint, then our landing page. Built here
 * rather than taken from better-auth, so the page it lands on is always ours.
 */
export function verificationLink(origin: string, token: string): string {
  return `${origin}/api/auth/verify-email?${new URLSearchParams({ token, callbackURL: VERIFIED_PATH })}`;
}

/** The link in a password reset email: our page, which posts the new password with the token. */
export function resetPasswordLink(origin: string, token: string): string {
  return `${origin}/reset-password?${new URLSearchParams({ token })}`;
}

function mail(kind: MailMessage["kind"], to: string, subject: string, lines: string[], link: { href: string; label: string }): MailMessage {
  const text = [...lines, "", `${link.label}: ${link.href}`, "", "If you did not ask for this, ignore this email.", "— Loreloom"].join("\n");
  const html = [
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`,
    `<p style="color:#57534e;font-size:13px">If the button does not work, paste this address into your browser:<br>${escapeHtml(link.href)}</p>`,
    `<p style="color:#57534e;font-size:13px">If you did not ask for this, ignore this email. — Loreloom</p>`,
  ].join("\n");
  return { kind, to, subject, text, html };
}

export function verificationMail(to: { email: string; name: string }, link: string): MailMessage {
  return mail(
    "verify-email",
    to.email,
    "Confirm your email address for Loreloom",
    [`Hello ${to.name},`, "Confirm that this address is yours, so that invitations sent to it can reach you. The link works for 24 hours."],
    { href: link, label: "Confirm my email address" },
  );
}

export function resetPasswordMail(to: { email: string; name: string }, link: string): MailMessage {
  return mail(
    "reset-password",
    to.email,
    "Reset your Loreloom password",
    [`Hello ${to.name},`, "Someone (we hope you) asked to reset the password of your Loreloom account. The link works for one hour, once."],
    { href: link, label: "Choose a new password" },
  );
}
