/** What a variable (and binding) name may be: lower-case letters, digits and "_", starting with a letter. */
export const variableNamePattern = /^[a-z][a-z0-9_]*$/;
