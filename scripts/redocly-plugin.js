// Redocly rules the built-in set lacks: every schema property carries a description, because
// openapi-typescript turns it into the JSDoc users read in their editor.
function propertyDescription() {
  return {
    SchemaProperties: {
      enter(properties, { report, location }) {
        for (const [name, schema] of Object.entries(properties)) {
          if (schema && typeof schema === 'object' && !('description' in schema)) {
            report({
              message: `Property "${name}" has no description (it becomes the generated JSDoc).`,
              location: location.child([name]).key(),
            });
          }
        }
      },
    },
  };
}

function responseDescription() {
  return {
    Response: {
      enter(response, { report, location }) {
        if (!response.description?.trim()) {
          report({
            message: 'Response has an empty description.',
            location: location.child(['description']),
          });
        }
      },
    },
  };
}

export default function refundkitPlugin() {
  return {
    id: 'refundkit',
    rules: {
      oas3: {
        'property-description': propertyDescription,
        'response-description': responseDescription,
      },
    },
  };
}
