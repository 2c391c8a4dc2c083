-- A password set by `reset-password` without a prompt is printed once and works for one
-- sign-in: the user must choose their own before doing anything else.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
