import { z } from "zod";

const email = z.email("enter a valid email address").max(254).transform((e) => e.toLowerCase());

export const SignUpSchema = z.strictObject({
  email,
  password: z.string().min(8, "use at least 8 characters").max(128),
  name: z.string().trim().min(1, "a name is required").max(80),
});

export const SignInSchema = z.strictObject({
  email,
  password: z.string().min(1, "enter your password").max(128),
  rememberMe: z.boolean().optional(),
});

/** Asking for an email again (a verification link, a password reset link). */
export const EmailOnlySchema = z.strictObject({ email });

export const ResetPasswordSchema = z.strictObject({
  token: z.string().min(1, "the reset link is incomplete").max(200),
  newPassword: z.string().min(8, "use at least 8 characters").max(128),
});

/** The query of the link in a verification email (better-auth checks the token itself). */
export const VerifyEmailQuerySchema = z.object({ token: z.string().min(1).max(4096) });
