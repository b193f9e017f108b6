import { describe, expect, it } from '@jest/globals';
import { Field, Int64, List, Utf8 } from 'apache-arrow';
import { arrowFieldOf, arrowTypeOf, dataTypeOfField, fitsArrowType } from '../../src/arrow/arrow-types.js';
import { DATA_TYPES } from '../../src/schema/data-types.js';

describe('arrow types', () => {
  it('maps every data type to an Arrow type that fits it, and back through the field metadata', () => {
    for (const dataType of DATA_TYPES) {
      const field = arrowFieldOf({ name: 'c', dataType, nullable: true });
      expect(fitsArrowType(dataType, field.type)).toBe(true);
      expect(dataTypeOfField(field)).toBe(dataType);
    }
  });

  it('types text_list as List<Utf8> and recognises it without metadata', () => {
    const type = arrowTypeOf('text_list') as List;
    expect(type).toBeInstanceOf(List);
    expect(String(type)).toBe('List<Utf8>');
    expect(dataTypeOfField(new Field('l', type, true))).toBe('text_list');
    expect(fitsArrowType('text_list', new List(new Field('element', new Utf8(), true)))).toBe(true);
    expect(fitsArrowType('text_list', new List(new Field('item', new Int64(), true)))).toBe(false);
    expect(fitsArrowType('text_list', new Utf8())).toBe(false);
    expect(fitsArrowType('text', type)).toBe(false);
  });
});
