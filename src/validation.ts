import { z } from 'zod';

// zod's own messages (for a wrong type, say) in Chinese, like ours: people read them in replies and API errors.
z.config(z.locales.zhCN());

export { z };
