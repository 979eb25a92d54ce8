/** Filled once the application has been scanned (the documents describe the app itself). */
export const API_DOCUMENTS = Symbol('API_DOCUMENTS');
