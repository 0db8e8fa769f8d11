// Phone → host messages as the 2026-03 phone sends them (protocol.md §6.1).
export const buttonPress = (buttonId = 'camera', pressType = 'short') =>
  ({ type: 'button_press', buttonId, pressType, timestamp: Date.now() });

export const headPosition = (position = 'up') =>
  ({ type: 'head_position', position, timestamp: Date.now() });

export const localTranscription = (text = 'hello world', { isFinal = true, language = 'en-US' } = {}) => {
  const endTime = Date.now();
  return { type: 'local_transcription', text, isFinal, startTime: endTime - 1000, endTime,
    transcribeLanguage: language, provider: 'test' };
};

export const startApp = (packageName) => ({ type: 'start_app', packageName });
export const stopApp = (packageName) => ({ type: 'stop_app', packageName });

export const appSessionId = (userId, packageName) => `${userId}-${packageName}`;
