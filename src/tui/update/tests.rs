//! Table tests for update: given a state and an action, the new state and the exact effects.
