// JWT identity shared by every app: see the chat-server brief (owned by the chat-server engineer).
export {};
