"""The Test events tab: a form per test endpoint that fires an event and follows it."""
