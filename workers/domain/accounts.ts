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
